#pragma once
// The small dialogs of the History view's edits — tags of several runs, a run's notes, its
// name — and the rule that turns an edited tag list into tags to add and to remove.
#include <vector>

#include <QStringList>

#include "sparq/profiler/run_store.h"

class QWidget;

namespace sparq::ui {

struct TagEdit {
    QStringList add;
    QStringList remove;
    bool isEmpty() const { return add.isEmpty() && remove.isEmpty(); }
};

/// The tags every one of `runs` carries, sorted.
QStringList sharedTags(const std::vector<const profiler::RunRecord*>& runs);
/// What to change when the user turned the shared tags `before` into `text` (comma-separated):
/// tags new in the text are added to every run, shared tags left out are removed from every
/// run; tags only some runs carry are untouched.
TagEdit tagEditFrom(const QStringList& before, const QString& text);

/// Asks for the tags of `runs`; false when cancelled.
bool askTagEdit(QWidget* parent, const std::vector<const profiler::RunRecord*>& runs, TagEdit& edit);
/// Asks for a run's notes (several lines); false when cancelled.
bool askNotes(QWidget* parent, const profiler::RunRecord& run, QString& notes);
/// Asks for a run's new name; false when cancelled or left empty (the run keeps its name).
bool askName(QWidget* parent, const profiler::RunRecord& run, QString& name);

}  // namespace sparq::ui
