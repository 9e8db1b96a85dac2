#pragma once
// MainWindow: navigation list of views (Launch, Live, History, Sparsity, Quantize, Distill,
// Continual, Profile, Serving), the views in a stack, the job menu and shortcuts, and a status bar saying
// what runs and on which device, with a badge counting the running job's fired alerts.
#include <QMainWindow>
#include <QStringList>

#include "sparq/engine/job.h"

class QAction;
class QLabel;
class QListWidget;
class QStackedWidget;
class QToolButton;

namespace sparq::ui {

class ContinualPage;
class DistillPage;
class HistoryPage;
class JobLane;
class LauncherPage;
class LivePage;
class ProfilePage;
class QuantizePage;
class ServingPage;
class SparsityPage;
class Workbench;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum View {
        LaunchView,
        LiveView,
        HistoryView,
        SparsityView,
        QuantizeView,
        DistillView,
        ContinualView,
        ProfileView,
        ServingView,
        ViewCount
    };

    explicit MainWindow(Workbench* workbench, QWidget* parent = nullptr);

    LauncherPage* launcherPage() const { return launcher_; }
    LivePage* livePage() const { return live_; }
    HistoryPage* historyPage() const { return history_; }
    SparsityPage* sparsityPage() const { return sparsity_; }
    QuantizePage* quantizePage() const { return quantize_; }
    DistillPage* distillPage() const { return distill_; }
    ContinualPage* continualPage() const { return continual_; }
    ProfilePage* profilePage() const { return profile_; }
    ServingPage* servingPage() const { return serving_; }
    /// The status bar's badge counting the running job's fired alerts (hidden while none fired);
    /// clicking it opens the Profile view.
    QToolButton* alertBadge() const { return alertBadge_; }
    View currentView() const;
    /// The text of the status bar's job indicator.
    QString jobStatusText() const;

public slots:
    void showView(int view);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    /// A job was submitted: its reports drive the status bar from now on.
    void onLaneStarted(JobLane* lane);
    void onLaneFinished(JobLane* lane);
    void onRunningChanged(bool running);
    /// The status bar's job indicator and device from the running lanes (the newest in detail).
    void showLaneStatus(JobLane* lane, const QString& detail);
    void showJobFailed(qint64 runId, const QString& error);
    void onAlert(const engine::AlertReport& report);
    /// Stops the job of the view on show, or else the newest running job.
    void stopJob();

    Workbench* workbench_;
    QListWidget* nav_ = nullptr;
    QStackedWidget* stack_ = nullptr;
    LauncherPage* launcher_ = nullptr;
    LivePage* live_ = nullptr;
    HistoryPage* history_ = nullptr;
    SparsityPage* sparsity_ = nullptr;
    QuantizePage* quantize_ = nullptr;
    DistillPage* distill_ = nullptr;
    ContinualPage* continual_ = nullptr;
    ProfilePage* profile_ = nullptr;
    ServingPage* serving_ = nullptr;
    QToolButton* alertBadge_ = nullptr;
    int firedAlerts_ = 0;
    QStringList alertLines_;  // the running job's latest alerts, for the badge's tooltip
    QLabel* jobLabel_ = nullptr;
    QLabel* deviceLabel_ = nullptr;
    QAction* startAction_ = nullptr;
    QAction* stopAction_ = nullptr;
};

}  // namespace sparq::ui
