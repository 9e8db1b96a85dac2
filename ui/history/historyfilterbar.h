#pragma once
// HistoryFilterBar: the History view's filters in one row — text search (names, presets, tags,
// notes, configuration, summary), kind, status, tag, a date range and "show archived" — edited
// into a profiler::RunFilter, the filter `sparq-cli history list` applies. The kind and tag
// menus list what the history holds; typing in the search waits a moment before it filters.
#include <string>
#include <vector>

#include <QWidget>

#include "sparq/profiler/run_filter.h"

class QCheckBox;
class QComboBox;
class QDateEdit;
class QLineEdit;
class QTimer;
class QToolButton;

namespace sparq::ui {

class HistoryFilterBar : public QWidget {
    Q_OBJECT
public:
    explicit HistoryFilterBar(QWidget* parent = nullptr);

    /// The filter the controls describe. The dates are local days: from midnight of "from" to
    /// the end of "to" (the CLI's --since and --until).
    profiler::RunFilter filter() const;
    /// Whether any control narrows the runs (the archive switch aside).
    bool isFiltering() const;

    /// Offers the kinds, statuses and tags of these runs in the menus (the current choice
    /// stays even when no run has it any more).
    void setChoices(const std::vector<profiler::RunRecord>& runs);

    QLineEdit* searchEdit() const { return search_; }
    QComboBox* kindCombo() const { return kind_; }
    QComboBox* statusCombo() const { return status_; }
    QComboBox* tagCombo() const { return tag_; }
    QDateEdit* sinceEdit() const { return since_; }
    QDateEdit* untilEdit() const { return until_; }
    QCheckBox* archivedCheck() const { return archived_; }

public slots:
    /// Puts every control back to "any".
    void clear();
    /// Moves the keyboard focus to the search field and selects its text.
    void focusSearch();

signals:
    /// A control changed (the search after a short pause).
    void filterChanged();

private:
    void changed();

    QLineEdit* search_ = nullptr;
    QComboBox* kind_ = nullptr;
    QComboBox* status_ = nullptr;
    QComboBox* tag_ = nullptr;
    QDateEdit* since_ = nullptr;
    QDateEdit* until_ = nullptr;
    QCheckBox* archived_ = nullptr;
    QToolButton* clear_ = nullptr;
    QTimer* searchPause_ = nullptr;
    bool quiet_ = false;  // while clear() or setChoices() set several controls
};

}  // namespace sparq::ui
