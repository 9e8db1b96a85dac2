#pragma once
// JobControlPanel: what sits under a technique page's form: Start and Stop, why the last start
// failed, how far the job has come, and its messages. The page connects the buttons, feeds the
// bar and the log, and reports the job's start and end through the panel, which says them the
// same way on every page.
#include <functional>

#include <QString>
#include <QWidget>

#include "sparq/engine/job.h"

class QAbstractButton;
class QHBoxLayout;
class QPushButton;

namespace sparq::ui {

class ErrorLabel;
class JobLogView;
class JobProgressBar;

class JobControlPanel : public QWidget {
    Q_OBJECT
public:
    /// Child object names start with `namePrefix` ("<prefix>StartButton", "<prefix>StopButton",
    /// "<prefix>StartError", "<prefix>Progress", "<prefix>Log").
    explicit JobControlPanel(const QString& namePrefix, QWidget* parent = nullptr);

    /// Runs `submit` (which throws when the job cannot start). On failure says why and returns
    /// false; otherwise clears the log, shows the bar busy and returns true.
    bool launch(const std::function<void()>& submit);
    /// Enables the buttons: Start when no job runs and `canStart` (its tooltip `startTip`, or
    /// why another job blocks it), Stop while the page's own job runs.
    void setJobState(bool ownRunning, bool canStart, const QString& startTip);
    /// Adds a button of the page's own after Stop (the page enables it).
    void addButton(QAbstractButton* button);
    /// Logs the job's start.
    void reportStarted(qint64 runId, const QString& device);
    /// Shows how the job ended in the bar and the log (a failure as a warning); `detail` is
    /// appended to the line of a job that did not fail.
    void reportEnded(const engine::JobEnd& end, const QString& detail = QString());

    QPushButton* startButton() const { return start_; }
    QPushButton* stopButton() const { return stop_; }
    ErrorLabel* startError() const { return startError_; }
    JobProgressBar* progress() const { return progress_; }
    JobLogView* log() const { return log_; }

private:
    QHBoxLayout* buttons_ = nullptr;
    QPushButton* start_ = nullptr;
    QPushButton* stop_ = nullptr;
    ErrorLabel* startError_ = nullptr;
    JobProgressBar* progress_ = nullptr;
    JobLogView* log_ = nullptr;
};

}  // namespace sparq::ui
