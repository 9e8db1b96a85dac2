#pragma once
// PastRunPicker: the row of a technique page that picks one of its past runs: a combo of the
// history's runs of one job kind (newest first), a Refresh button and a count. The history is
// read on a worker (JobTracker). After a job of the page ends, awaitRun() selects its run
// once the history has recorded its end (the store commits it on its writer thread, so the
// first reload may come too early and is retried). The trained runs read in the same pass are
// kept for the page's model source.
#include <string>
#include <vector>

#include <QString>
#include <QWidget>

#include "common/jobhistory.h"
#include "core/jobtracker.h"

class QComboBox;
class QLabel;

namespace sparq::ui {

class PastRunPicker : public QWidget {
    Q_OBJECT
public:
    struct Texts {
        QString caption;       // "Quantization run:"
        QString accuracyName;  // "INT8": a completed run's label ends "INT8 87.50 %"
        QString one;           // "1 quantization run"
        QString many;          // "%1 quantization runs"
        QString toolTip;
    };

    PastRunPicker(std::string dbPath, std::string kind, Texts texts, QWidget* parent = nullptr);

    /// The run on show (null when none).
    const JobRun* current() const;
    /// The listed run with this id (null when it is not listed).
    const JobRun* run(qint64 id) const;
    /// Puts a listed run on show, emitting runChosen even when it already is (false when
    /// it is not listed).
    bool select(qint64 id);
    /// Selects run `id` once a reload finds it ended (reloads at once).
    void awaitRun(qint64 id);

    /// Finished training runs with a checkpoint, from the last successful reload.
    const std::vector<TrainedRun>& trainedRuns() const { return trained_; }
    QComboBox* combo() const { return combo_; }
    /// Completed reloads.
    int loads() const { return loads_; }

public slots:
    /// Reloads from the history (on a worker).
    void refresh();

signals:
    /// A run was put on show (chosen in the combo, selected, or the reload's pick).
    void runChosen(qint64 id);
    /// A reload was applied (or failed, saying so in the row).
    void refreshed();

private:
    void apply(JobHistory history);
    void choose(int index);

    std::string dbPath_;
    std::string kind_;
    Texts texts_;
    QComboBox* combo_ = nullptr;
    QLabel* status_ = nullptr;
    std::vector<JobRun> runs_;  // behind combo_, same order
    std::vector<TrainedRun> trained_;
    qint64 shown_ = 0;
    qint64 awaited_ = 0;
    int awaitRetries_ = 0;
    int loads_ = 0;
    JobTracker tracker_{this};
};

}  // namespace sparq::ui
