#pragma once
// TechniqueCharts: what the live charts of a technique page (DistillCharts, ContinualCharts)
// share: a caption above them saying which run is on show and whether it is followed live or
// drawn from the history, and the ~30 Hz timer that pulls the subclass's feed into its charts.
#include <QString>
#include <QWidget>

#include "sparq/profiler/run_store.h"

class QLabel;
class QTimer;
class QVBoxLayout;

namespace sparq::ui {

class TechniqueCharts : public QWidget {
    Q_OBJECT
public:
    /// Run on show (0 = none) and whether it was drawn from the history.
    profiler::RunId run() const { return run_; }
    bool showsRecorded() const { return recorded_; }
    QLabel* caption() const { return caption_; }

    /// Empties the charts, with `caption` above them.
    virtual void clear(const QString& caption) = 0;

public slots:
    /// Moves what the feed gathered into the charts (the timer's slot).
    virtual void drain() = 0;

protected:
    /// The caption's object name is `captionName`; the charts go below it, in column().
    TechniqueCharts(const QString& captionName, QWidget* parent);

    QVBoxLayout* column() const { return column_; }
    /// "Run N, live" or "Run N, from the history".
    void setCaption(profiler::RunId run, bool recorded);
    /// No run on show; `text` as the caption.
    void clearCaption(const QString& text);

private:
    QVBoxLayout* column_ = nullptr;
    QLabel* caption_ = nullptr;
    QTimer* timer_ = nullptr;
    profiler::RunId run_ = 0;
    bool recorded_ = false;
};

}  // namespace sparq::ui
