#pragma once
// ExportDialog: exports one recorded run's model for deployment (an export job of the
// workbench) — an ONNX file, a Sparq bundle or a Triton model repository, FP32 or INT8 — and
// shows how the reloaded export compared with the engine. Its defaults come from the run
// (architecture, precision, a file name next to the history) and the engine (names, Triton's
// defaults). Settings are checked as they change (engine::validate) and an objection is shown
// under the form; the job's messages stream into a log. Closing the dialog while it runs only
// hides it: the export ends on its own and exportFinished() still says how.
#include <functional>
#include <string>

#include <QDialog>
#include <QElapsedTimer>
#include <QString>

#include <QPointer>

#include "core/jobtracker.h"
#include "sparq/engine/export.h"
#include "sparq/engine/job.h"
#include "sparq/profiler/run_store.h"

class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTimer;

namespace sparq::ui {

class ErrorLabel;
class ExportResultView;
class JobLane;
class Workbench;
class JobLogView;
class JobProgressBar;
struct ExportableModels;

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    /// The name an export of `run` gets by default: sparq_<arch>_<precision>_run<id>.onnx or
    /// .sqb; for Triton the repository folder "model_repository" (the model's own folder in it
    /// is named like the files, without a suffix).
    static QString defaultName(const profiler::RunRecord& run, const QString& format, const QString& precision);

    /// `workbench`: its history holds the run (the export is registered there) and its jobs
    /// run the export. `dataDir`: the Fashion-MNIST folder to verify on (empty: the workbench's,
    /// else the run's own). Starts looking up the run's models at once.
    ExportDialog(Workbench* workbench, profiler::RunRecord run, std::string dataDir = {}, QWidget* parent = nullptr);
    ~ExportDialog() override;

    profiler::RunId run() const { return run_.id; }
    /// The export the fields describe (checked or not).
    engine::ExportSpec spec() const;
    /// What is wrong with the fields (engine::validate's objection, a number that is not one,
    /// a destination of the wrong kind, a run without a model), or an empty string.
    QString validationError() const;
    /// True while an export runs.
    bool isExporting() const;
    /// True once the run's models were looked up (exportableModelsFound()).
    bool modelsKnown() const { return modelsKnown_; }
    /// The last export's result (valid when it succeeded).
    const engine::ExportResult& result() const { return result_; }
    bool hasResult() const { return hasResult_; }

    QComboBox* formatCombo() const { return format_; }
    QComboBox* precisionCombo() const { return precision_; }
    QLabel* int8Note() const { return int8Note_; }
    QLineEdit* destinationEdit() const { return destination_; }
    QLabel* destinationHint() const { return destinationHint_; }
    QSpinBox* limitSpin() const { return limit_; }
    QGroupBox* tritonGroup() const { return triton_; }
    QLineEdit* modelNameEdit() const { return modelName_; }
    QSpinBox* maxBatchSpin() const { return maxBatch_; }
    QLineEdit* preferredEdit() const { return preferred_; }
    QLineEdit* queueDelayEdit() const { return queueDelay_; }
    QSpinBox* instancesSpin() const { return instances_; }
    QComboBox* deviceCombo() const { return device_; }
    ErrorLabel* validationLabel() const { return validation_; }
    QPushButton* exportButton() const { return exportButton_; }
    JobProgressBar* progressBar() const { return progress_; }
    JobLogView* logView() const { return log_; }
    ExportResultView* resultView() const { return resultView_; }

public slots:
    /// Starts the export the fields describe; false (the objection shown) when they are not valid
    /// or an export is already running.
    bool startExport();
    /// Picks the destination with a file (or, for Triton, folder) dialog.
    void browse();

signals:
    /// The run's models were looked up: the INT8 note and the Export button reflect them.
    void exportableModelsFound();
    /// An export ended: `path` (the file or Triton model folder) was written and verified, or
    /// `error` says why not (nothing is left at the destination then).
    void exportFinished(qint64 runId, const QString& path, const QString& error);

private:
    void buildForm();
    void showModels(const ExportableModels& models);
    void formatOrPrecisionChanged();
    void updateDestinationHint();
    void revalidate();
    void finish(const engine::JobEnd& end);
    void setBusy(bool busy);
    /// Makes the dialog tall enough for what it shows now.
    void growToFit();
    QString format() const;
    QString precision() const;
    /// `destination_`'s text as an absolute path (relative ones are taken from the default folder).
    QString destinationPath() const;

    Workbench* workbench_;
    std::string dbPath_;
    std::string dataDir_;
    QPointer<JobLane> job_;             // the export running or last run
    profiler::RunRecord run_;
    QString defaultFolder_;
    QString shownFormat_;               // the format the destination was made for
    bool destinationEdited_ = false;    // typed or browsed: format changes keep the user's name
    QString modelProblem_;              // the run has nothing to export
    bool modelsKnown_ = false;
    engine::ExportResult result_;
    bool hasResult_ = false;

    QLabel* modelLabel_ = nullptr;
    QComboBox* format_ = nullptr;
    QComboBox* precision_ = nullptr;
    QLabel* int8Note_ = nullptr;
    QLineEdit* destination_ = nullptr;
    QPushButton* browse_ = nullptr;
    QLabel* destinationHint_ = nullptr;
    QSpinBox* limit_ = nullptr;
    QGroupBox* settings_ = nullptr;  // format, precision, destination, verification
    QGroupBox* triton_ = nullptr;
    QLineEdit* modelName_ = nullptr;
    QSpinBox* maxBatch_ = nullptr;
    QLineEdit* preferred_ = nullptr;
    QLineEdit* queueDelay_ = nullptr;
    QSpinBox* instances_ = nullptr;
    QComboBox* device_ = nullptr;
    ErrorLabel* validation_ = nullptr;
    QPushButton* exportButton_ = nullptr;
    JobProgressBar* progress_ = nullptr;
    QTimer* clock_ = nullptr;
    QElapsedTimer elapsed_;
    JobLogView* log_ = nullptr;
    ExportResultView* resultView_ = nullptr;

    JobTracker modelsTracker_{this};
};

}  // namespace sparq::ui
