#include "export/exportdialog.h"

#include <algorithm>
#include <exception>
#include <memory>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

#include "common/errorlabel.h"
#include "core/joblane.h"
#include "core/workbench.h"
#include "export/exportablemodels.h"
#include "export/exportresultview.h"
#include "common/jobhistory.h"
#include "common/joblogview.h"
#include "common/jobprogressbar.h"
#include "history/runtablemodel.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/quantize.h"

namespace sparq::ui {
namespace {

// The engine's defaults for the Triton values an export leaves unset, as the form shows them.
QString defaultPreferredText() {
    QStringList sizes;
    for (const int b : engine::triton_default_preferred_batch_sizes()) sizes << QString::number(b);
    return sizes.join(QStringLiteral(", "));
}

const QString kTriton = QStringLiteral("triton");

// The engine's name for a Triton model folder, and the stem of the default file names.
QString exportStem(const profiler::RunRecord& run, const QString& precision) {
    return QString::fromStdString(engine::export_stem(architectureOf(run).toStdString(), precision.toStdString(), run.id));
}

QString suffixOf(const QString& format) {
    return format == QLatin1String("onnx") ? QStringLiteral("onnx") : QStringLiteral("sqb");
}

// "16, 64" or "16 64"; empty text gives no sizes. Returns the first word that is not a
// positive whole number, or an empty string.
QString parseSizes(const QString& text, std::vector<int>& sizes) {
    static const QRegularExpression separators(QStringLiteral("[,;\\s]+"));
    for (const QString& word : text.split(separators, Qt::SkipEmptyParts)) {
        bool ok = false;
        const int v = word.toInt(&ok);
        if (!ok) return word;
        sizes.push_back(v);
    }
    return {};
}

QJsonObject servingOf(const profiler::RunRecord& run) {
    return parseJsonObject(run.summary_json).value(QLatin1String("serving")).toObject();
}

QString describeFormat(const QString& format) {
    if (format == QLatin1String("onnx")) return QStringLiteral("ONNX");
    if (format == QLatin1String("bundle")) return QObject::tr("Sparq bundle");
    return QObject::tr("Triton repository");
}

}  // namespace

QString ExportDialog::defaultName(const profiler::RunRecord& run, const QString& format, const QString& precision) {
    if (format == kTriton) return QStringLiteral("model_repository");
    return exportStem(run, precision) + QLatin1Char('.') + suffixOf(format);
}

ExportDialog::ExportDialog(Workbench* workbench, profiler::RunRecord run, std::string dataDir, QWidget* parent)
    : QDialog(parent), workbench_(workbench), dbPath_(workbench->dbPath()),
      dataDir_(dataDir.empty() ? workbench->dataDir() : std::move(dataDir)), run_(std::move(run)) {
    setWindowTitle(tr("Export run %1 — %2").arg(run_.id).arg(QString::fromStdString(run_.name)));
    const QFileInfo db(QString::fromStdString(dbPath_));
    defaultFolder_ = QFileInfo(db.absolutePath()).isWritable() ? db.absolutePath() : QDir::homePath();
    buildForm();

    modelsTracker_.startJob([db = dbPath_, run = run_] { return findExportableModels(db, run); },
                            [this](const ExportableModels& models) { showModels(models); });
}

// A running export finishes on its own; its result is dropped with the tracker.
ExportDialog::~ExportDialog() = default;

void ExportDialog::buildForm() {
    auto* layout = new QVBoxLayout(this);
    const QString arch = architectureOf(run_);
    QString header = tr("<b>Run %1</b> · %2 · %3 run").arg(run_.id).arg(QString::fromStdString(run_.name).toHtmlEscaped(),
                                                                    QString::fromStdString(run_.kind).toHtmlEscaped());
    if (!run_.preset.empty()) header += tr(" · preset %1").arg(QString::fromStdString(run_.preset).toHtmlEscaped());
    if (!arch.isEmpty()) header += QStringLiteral(" · ") + arch.toHtmlEscaped();
    if (run_.test_accuracy) header += tr(" · test accuracy %1").arg(RunTableModel::formatAccuracy(*run_.test_accuracy));
    layout->addWidget(new QLabel(header, this));
    modelLabel_ = new QLabel(tr("Looking up the run's models…"), this);
    modelLabel_->setObjectName(QStringLiteral("exportModel"));
    modelLabel_->setWordWrap(true);
    modelLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(modelLabel_);

    settings_ = new QGroupBox(tr("Export"), this);
    auto* form = new QFormLayout(settings_);
    format_ = new QComboBox(settings_);
    format_->setObjectName(QStringLiteral("exportFormat"));
    format_->addItem(QStringLiteral("ONNX"), QStringLiteral("onnx"));
    format_->addItem(tr("Sparq bundle"), QStringLiteral("bundle"));
    format_->addItem(tr("Triton repository"), kTriton);
    format_->setToolTip(tr("ONNX: one .onnx file for any ONNX runtime. Sparq bundle: one .sqb file that "
                           "`sparq-cli infer` runs. Triton repository: a model folder with config.pbtxt (dynamic "
                           "batching), 1/model.onnx and labels.txt, inside the repository folder you choose."));
    form->addRow(tr("&Format:"), format_);

    precision_ = new QComboBox(settings_);
    precision_->setObjectName(QStringLiteral("exportPrecision"));
    precision_->addItem(QStringLiteral("FP32"), QStringLiteral("fp32"));
    precision_->addItem(QStringLiteral("INT8"), QStringLiteral("int8"));
    // A quantize run's point is its INT8 model.
    precision_->setCurrentIndex(run_.kind == "quantize" ? 1 : 0);
    precision_->setToolTip(tr("FP32: the float model. INT8: the run's INT8 model (ONNX in QDQ form)."));
    form->addRow(tr("&Precision:"), precision_);
    int8Note_ = new QLabel(tr("INT8 on a run without an INT8 model runs post-training quantization first."), settings_);
    int8Note_->setObjectName(QStringLiteral("exportInt8Note"));
    int8Note_->setWordWrap(true);
    int8Note_->setStyleSheet(QStringLiteral("color: palette(dark);"));
    form->addRow(QString(), int8Note_);

    destination_ = new QLineEdit(settings_);
    destination_->setObjectName(QStringLiteral("exportDestination"));
    destination_->setClearButtonEnabled(true);
    browse_ = new QPushButton(tr("&Browse…"), settings_);
    auto* destinationRow = new QHBoxLayout;
    destinationRow->addWidget(destination_, 1);
    destinationRow->addWidget(browse_);
    auto* destinationLabel = new QLabel(tr("&Destination:"), settings_);
    destinationLabel->setBuddy(destination_);
    form->addRow(destinationLabel, destinationRow);
    destinationHint_ = new QLabel(settings_);
    destinationHint_->setObjectName(QStringLiteral("exportDestinationHint"));
    destinationHint_->setWordWrap(true);
    destinationHint_->setStyleSheet(QStringLiteral("color: palette(dark);"));
    form->addRow(QString(), destinationHint_);

    limit_ = new QSpinBox(settings_);
    limit_->setObjectName(QStringLiteral("exportLimit"));
    limit_->setRange(0, 1000000);
    limit_->setSingleStep(500);
    limit_->setSpecialValueText(tr("all test images"));
    limit_->setSuffix(tr(" test images"));
    limit_->setToolTip(tr("The export is reloaded and compared with the engine on the first N test images "
                          "(0: the whole test set)."));
    form->addRow(tr("&Verify on:"), limit_);
    layout->addWidget(settings_);

    const engine::TritonSettings defaults;
    triton_ = new QGroupBox(tr("Triton dynamic batching"), this);
    triton_->setObjectName(QStringLiteral("exportTriton"));
    auto* tform = new QFormLayout(triton_);
    modelName_ = new QLineEdit(triton_);
    modelName_->setObjectName(QStringLiteral("exportModelName"));
    modelName_->setToolTip(tr("The model's folder in the repository and its name in Triton."));
    tform->addRow(tr("Model &name:"), modelName_);
    maxBatch_ = new QSpinBox(triton_);
    maxBatch_->setObjectName(QStringLiteral("exportMaxBatch"));
    maxBatch_->setRange(1, 65536);
    maxBatch_->setValue(defaults.max_batch_size);
    tform->addRow(tr("&Max batch size:"), maxBatch_);
    preferred_ = new QLineEdit(triton_);
    preferred_->setObjectName(QStringLiteral("exportPreferred"));
    preferred_->setToolTip(tr("Batch sizes Triton's dynamic batcher aims for, separated by commas; empty: those of the "
                              "run's serving benchmark, else %1.")
                               .arg(defaultPreferredText()));
    tform->addRow(tr("P&referred batch sizes:"), preferred_);
    queueDelay_ = new QLineEdit(triton_);
    queueDelay_->setObjectName(QStringLiteral("exportQueueDelay"));
    queueDelay_->setToolTip(tr("How long a request may wait for a fuller batch, in microseconds; empty: the run's "
                               "serving benchmark's, else %1 µs.")
                                .arg(engine::triton_default_max_queue_delay_us()));
    tform->addRow(tr("Max &queue delay (µs):"), queueDelay_);
    instances_ = new QSpinBox(triton_);
    instances_->setObjectName(QStringLiteral("exportInstances"));
    instances_->setRange(1, 64);
    instances_->setValue(defaults.instances);
    instances_->setToolTip(tr("Copies of the model Triton runs side by side (instance_group count)."));
    tform->addRow(tr("&Instances:"), instances_);
    device_ = new QComboBox(triton_);
    device_->setObjectName(QStringLiteral("exportDevice"));
    device_->addItem(QStringLiteral("CPU"), QStringLiteral("cpu"));
    device_->addItem(QStringLiteral("GPU"), QStringLiteral("gpu"));
    device_->setCurrentIndex(std::max(0, device_->findData(QString::fromStdString(defaults.device))));
    tform->addRow(tr("D&evice:"), device_);
    layout->addWidget(triton_);
    // The batching values left empty come from the run's serving benchmark, when it had one.
    const QJsonObject serving = servingOf(run_);
    QStringList sizes;
    for (const QJsonValue& v : serving.value(QLatin1String("preferred_batch_sizes")).toArray())
        sizes << QString::number(v.toInt());
    preferred_->setPlaceholderText(sizes.isEmpty()
                                       ? tr("%1 (default)").arg(defaultPreferredText())
                                       : tr("%1 (the run's serving benchmark)").arg(sizes.join(QStringLiteral(", "))));
    const QJsonValue delay = serving.value(QLatin1String("max_queue_delay_us"));
    queueDelay_->setPlaceholderText(delay.isDouble() ? tr("%1 (the run's serving benchmark)").arg(delay.toInt())
                                                     : tr("%1 (default)").arg(engine::triton_default_max_queue_delay_us()));

    validation_ = new ErrorLabel(this);
    validation_->setObjectName(QStringLiteral("exportValidation"));
    layout->addWidget(validation_);

    progress_ = new JobProgressBar(this);
    progress_->setObjectName(QStringLiteral("exportProgress"));
    progress_->hide();
    layout->addWidget(progress_);
    clock_ = new QTimer(this);
    clock_->setInterval(1000);
    connect(clock_, &QTimer::timeout, this, [this] {
        progress_->showBusy(tr("Exporting… %1 s").arg(elapsed_.elapsed() / 1000));
    });
    log_ = new JobLogView(this);
    log_->setObjectName(QStringLiteral("exportLog"));
    log_->setMaximumHeight(130);
    log_->hide();
    layout->addWidget(log_);
    resultView_ = new ExportResultView(this);
    layout->addWidget(resultView_);
    layout->addStretch(1);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    exportButton_ = buttons->addButton(tr("&Export"), QDialogButtonBox::ActionRole);
    exportButton_->setObjectName(QStringLiteral("exportStart"));
    exportButton_->setDefault(true);
    buttons->button(QDialogButtonBox::Close)
        ->setToolTip(tr("A running export goes on; the History view says when it has ended."));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(exportButton_, &QPushButton::clicked, this, &ExportDialog::startExport);
    layout->addWidget(buttons);

    shownFormat_ = format();
    destination_->setText(QDir(defaultFolder_).filePath(defaultName(run_, format(), precision())));
    connect(format_, &QComboBox::currentIndexChanged, this, &ExportDialog::formatOrPrecisionChanged);
    connect(precision_, &QComboBox::currentIndexChanged, this, &ExportDialog::formatOrPrecisionChanged);
    connect(destination_, &QLineEdit::textEdited, this, [this] { destinationEdited_ = true; });
    connect(destination_, &QLineEdit::textChanged, this, [this] {
        updateDestinationHint();
        revalidate();
    });
    connect(browse_, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(modelName_, &QLineEdit::textChanged, this, [this] {
        updateDestinationHint();
        revalidate();
    });
    for (QLineEdit* edit : {preferred_, queueDelay_}) connect(edit, &QLineEdit::textChanged, this, &ExportDialog::revalidate);
    for (QSpinBox* spin : {maxBatch_, instances_, limit_})
        connect(spin, &QSpinBox::valueChanged, this, &ExportDialog::revalidate);
    connect(device_, &QComboBox::currentIndexChanged, this, &ExportDialog::revalidate);
    formatOrPrecisionChanged();
    resize(620, sizeHint().height());
}

QString ExportDialog::format() const { return format_->currentData().toString(); }

QString ExportDialog::precision() const { return precision_->currentData().toString(); }

QString ExportDialog::destinationPath() const {
    const QString text = destination_->text().trimmed();
    return text.isEmpty() ? QString() : QDir::cleanPath(QDir(defaultFolder_).absoluteFilePath(text));
}

void ExportDialog::showModels(const ExportableModels& models) {
    modelsKnown_ = true;
    modelProblem_ = models.problem(run_.id);  // shown under the form by revalidate()
    modelLabel_->setText(modelProblem_.isEmpty() ? tr("Model: %1").arg(models.checkpoint) : tr("Model: none to export"));
    const engine::QuantizeSpec ptq;
    QString int8Text;
    if (!models.int8Model.isEmpty())
        int8Text = models.int8FromRun == run_.id
                        ? tr("INT8 exports this run's INT8 model, %1.").arg(models.int8Model)
                        : tr("INT8 exports the INT8 model of quantize run %1, %2.").arg(models.int8FromRun).arg(models.int8Model);
    else if (run_.kind == "quantize")
        int8Text = tr("This quantize run's INT8 model file is missing, so it cannot be exported as INT8.");
    else
        int8Text = tr("This run has no INT8 model: an INT8 export first runs post-training quantization (%1 observer, "
                       "up to %2 calibration images from the end of the training set) and keeps the INT8 model with "
                       "the run.")
                        .arg(QString::fromStdString(ptq.observer))
                        .arg(ptq.calibration_samples);
    int8Note_->setText(int8Text);
    revalidate();
    growToFit();
    emit exportableModelsFound();
}

void ExportDialog::formatOrPrecisionChanged() {
    const QString now = format();
    const bool wasFolder = shownFormat_ == kTriton, isFolder = now == kTriton;
    const QString path = destinationPath();
    const QString folder = path.isEmpty() ? defaultFolder_ : QFileInfo(path).absolutePath();
    QString next = QDir(folder).filePath(defaultName(run_, now, precision()));
    if (destinationEdited_ && wasFolder == isFolder) {
        next = path;  // the user's name stays; a file keeps it with the new format's suffix
        const QFileInfo fi(path);
        if (!isFolder && (fi.suffix() == QLatin1String("onnx") || fi.suffix() == QLatin1String("sqb")))
            next = QDir(fi.path()).filePath(fi.completeBaseName() + QLatin1Char('.') + suffixOf(now));
    } else {
        destinationEdited_ = false;
    }
    shownFormat_ = now;
    destination_->setText(next);
    triton_->setVisible(isFolder);
    int8Note_->setVisible(precision() == QLatin1String("int8"));
    modelName_->setPlaceholderText(exportStem(run_, precision()));
    updateDestinationHint();
    revalidate();
    growToFit();
}

void ExportDialog::growToFit() {
    // Word-wrapped labels need a height for the width the dialog has, which the layout's
    // minimum size does not ask for: without this they are squeezed to one line.
    QLayout* l = layout();
    const int needed = l->hasHeightForWidth() ? l->totalHeightForWidth(width()) : l->totalSizeHint().height();
    if (needed > height()) resize(width(), needed);
}

void ExportDialog::updateDestinationHint() {
    const QString path = destinationPath();
    QString hint;
    if (format() == kTriton && !path.isEmpty()) {
        const QString name = modelName_->text().trimmed().isEmpty() ? modelName_->placeholderText() : modelName_->text().trimmed();
        const QString model = QDir(path).filePath(name);
        hint = tr("Writes %1/ (config.pbtxt, 1/model.onnx, labels.txt)").arg(model);
        if (QFileInfo(model).isDir()) hint += tr(", replacing the model folder there");
        hint += QLatin1Char('.');
    } else if (QFileInfo(path).isFile()) {
        hint = tr("Replaces the existing file.");
    }
    destinationHint_->setText(hint);
    destinationHint_->setVisible(!hint.isEmpty());
}

engine::ExportSpec ExportDialog::spec() const {
    engine::ExportSpec s;
    s.run_id = run_.id;
    s.data_dir = dataDir_;
    s.format = format().toStdString();
    s.precision = precision().toStdString();
    s.out = destinationPath().toStdString();
    s.limit_test = limit_->value();
    if (format() == kTriton) {
        s.triton.model_name = modelName_->text().trimmed().toStdString();
        s.triton.max_batch_size = maxBatch_->value();
        parseSizes(preferred_->text(), s.triton.preferred_batch_sizes);
        bool ok = false;
        const int delay = queueDelay_->text().trimmed().toInt(&ok);
        s.triton.max_queue_delay_us = ok ? delay : -1;
        s.triton.instances = instances_->value();
        s.triton.device = device_->currentData().toString().toStdString();
    }
    return s;
}

QString ExportDialog::validationError() const {
    if (!modelProblem_.isEmpty()) return modelProblem_;
    const QString path = destinationPath();
    if (path.isEmpty()) return tr("Choose where to write the export.");
    const bool folder = format() == kTriton;
    if (folder) {
        std::vector<int> sizes;
        if (const QString bad = parseSizes(preferred_->text(), sizes); !bad.isEmpty())
            return tr("Preferred batch sizes: '%1' is not a whole number (write them like 8, 32, 64).").arg(bad);
        const QString delay = queueDelay_->text().trimmed();
        bool ok = true;
        if (!delay.isEmpty() && (delay.toInt(&ok) < 0 || !ok))
            return tr("Max queue delay: '%1' is not a whole number of microseconds.").arg(delay);
    }
    const QFileInfo destination(path);
    if (!folder && destination.isDir()) return tr("%1 is a folder; give the name of the file to write.").arg(path);
    if (folder && destination.exists() && !destination.isDir())
        return tr("%1 is a file; a Triton model repository is a folder.").arg(path);
    try {
        engine::validate(spec());
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

void ExportDialog::revalidate() {
    const QString error = validationError();
    validation_->showMessage(error);
    exportButton_->setEnabled(error.isEmpty() && !isExporting());
    exportButton_->setToolTip(error.isEmpty() ? tr("Export the model and verify the file against the engine") : error);
}

void ExportDialog::browse() {
    const QString current = destinationPath();
    QString path;
    if (format() == kTriton) {
        path = QFileDialog::getExistingDirectory(this, tr("Triton model repository"),
                                                 current.isEmpty() ? defaultFolder_ : current);
    } else {
        const QString suffix = suffixOf(format());
        const QString filter = format() == QLatin1String("onnx") ? tr("ONNX model (*.onnx)") : tr("Sparq bundle (*.sqb)");
        path = QFileDialog::getSaveFileName(this, tr("Export to"), current, filter);
        if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty()) path += QLatin1Char('.') + suffix;
    }
    if (path.isEmpty()) return;
    destinationEdited_ = true;
    destination_->setText(path);
}

void ExportDialog::setBusy(bool busy) {
    settings_->setEnabled(!busy);
    triton_->setEnabled(!busy);
    if (busy) {
        elapsed_.start();
        progress_->showBusy(tr("Exporting… 0 s"));
        progress_->show();
        clock_->start();
    } else {
        clock_->stop();
    }
    revalidate();
}

bool ExportDialog::startExport() {
    if (isExporting()) return false;
    const QString error = validationError();
    validation_->showMessage(error);
    if (!error.isEmpty()) return false;

    const engine::ExportSpec s = spec();
    resultView_->clear();
    hasResult_ = false;
    log_->show();
    log_->append(tr("Exporting run %1 as %2, %3, to %4; verifying on %5")
                     .arg(run_.id)
                     .arg(describeFormat(format()), precision_->currentText(), QString::fromStdString(s.out),
                          s.limit_test > 0 ? tr("the first %1 test images").arg(s.limit_test) : tr("the whole test set")));
    try {
        job_ = workbench_->start(s);
    } catch (const std::exception& e) {
        validation_->showMessage(QString::fromUtf8(e.what()));
        return false;
    }
    connect(job_, &JobLane::log, this, [this](const QString&, const QString& message) { log_->append(message); });
    connect(job_, &JobLane::finished, this, &ExportDialog::finish);
    setBusy(true);
    growToFit();
    return true;
}

bool ExportDialog::isExporting() const { return job_ && job_->isRunning(); }

void ExportDialog::finish(const engine::JobEnd& end) {
    const double seconds = double(elapsed_.elapsed()) / 1000.0;
    setBusy(false);
    const engine::ExportResult* result = job_ ? job_->result<engine::ExportResult>() : nullptr;
    if (end.status == engine::JobStatus::Completed && result) {
        result_ = *result;
        hasResult_ = true;
        const QString path = QString::fromStdString(result_.path);
        resultView_->showResult(result_);
        progress_->showCount(1, 1, tr("exported in %1 s").arg(seconds, 0, 'f', 1));
        log_->append(tr("Exported to %1").arg(path));
        updateDestinationHint();
        growToFit();
        emit exportFinished(run_.id, path, {});
    } else {
        const bool verification = end.error_kind == engine::JobError::Verification;
        const QString error = end.status == engine::JobStatus::Cancelled ? tr("The export was stopped; nothing was written.")
                                                                         : QString::fromStdString(end.error);
        resultView_->showFailure(error, verification);
        progress_->showCount(0, 1, tr("failed after %1 s").arg(seconds, 0, 'f', 1));
        log_->append(verification ? tr("The export failed verification (the reason is below)")
                                  : tr("The export failed (the reason is below)"),
                     true);
        growToFit();
        emit exportFinished(run_.id, {}, error);
    }
}

}  // namespace sparq::ui
