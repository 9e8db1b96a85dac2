#include "common/jobprogressbar.h"

#include <algorithm>
#include <climits>

namespace sparq::ui {

JobProgressBar::JobProgressBar(QWidget* parent) : QProgressBar(parent) {
    setRange(0, 1);
    setValue(0);
    setFormat(tr("idle"));
}

void JobProgressBar::showBusy(const QString& text) {
    setRange(0, 0);
    setFormat(text);
}

void JobProgressBar::showProgress(const engine::JobProgress& p) {
    // The whole job's share done; the stage and, in a training loop, where it stands.
    QString text = QString::fromStdString(p.stage);
    if (p.epochs > 0)
        text += tr(" · epoch %1/%2 · batch %3/%4 · loss %5").arg(p.epoch).arg(p.epochs).arg(p.batch).arg(p.batches).arg(p.loss, 0, 'f', 4);
    showCount(qint64(p.fraction * 1000.0), 1000, text + QStringLiteral(" · %p%"));
}

void JobProgressBar::showCount(qint64 done, qint64 total, const QString& text) {
    if (total > 0 && total < INT_MAX) {
        setRange(0, int(total));
        setValue(int(std::clamp<qint64>(done, 0, total)));
    }
    setFormat(text);
}

void JobProgressBar::showEnded(engine::JobStatus status) {
    setRange(0, 1);
    setValue(status == engine::JobStatus::Completed ? 1 : 0);
    setFormat(QString::fromUtf8(engine::to_string(status)));
}

}  // namespace sparq::ui
