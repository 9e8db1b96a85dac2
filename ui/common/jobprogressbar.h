#pragma once
// JobProgressBar: where the job of a technique page stands: idle, busy while it starts,
// epoch and batch from its progress reports, and how it ended.
#include <QProgressBar>
#include <QString>

#include "sparq/engine/job.h"

namespace sparq::ui {

class JobProgressBar : public QProgressBar {
    Q_OBJECT
public:
    explicit JobProgressBar(QWidget* parent = nullptr);

    /// A moving bar with `text`, until the next progress report.
    void showBusy(const QString& text);
    /// Batches done over all epochs, and the epoch, batch and loss as text.
    void showProgress(const engine::JobProgress& p);
    /// `done` of `total` units of work (the bar is left as it is when total is 0), `text` on it.
    void showCount(qint64 done, qint64 total, const QString& text);
    /// Full when the job completed, empty otherwise; the status as text.
    void showEnded(engine::JobStatus status);
};

}  // namespace sparq::ui
