#include "common/pastrunpicker.h"

#include <algorithm>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QTimer>

namespace sparq::ui {
namespace {

constexpr int kMaxAwaitRetries = 10;
constexpr int kAwaitRetryMs = 300;

}  // namespace

PastRunPicker::PastRunPicker(std::string dbPath, std::string kind, Texts texts, QWidget* parent)
    : QWidget(parent), dbPath_(std::move(dbPath)), kind_(std::move(kind)), texts_(std::move(texts)) {
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(new QLabel(texts_.caption, this));
    combo_ = new QComboBox(this);
    combo_->setObjectName(QStringLiteral("pastRunCombo"));
    combo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    combo_->setMinimumContentsLength(36);
    combo_->setToolTip(texts_.toolTip);
    row->addWidget(combo_, 1);
    auto* reload = new QPushButton(style()->standardIcon(QStyle::SP_BrowserReload), tr("Refresh"), this);
    reload->setObjectName(QStringLiteral("pastRunRefresh"));
    row->addWidget(reload);
    status_ = new QLabel(tr("Loading…"), this);
    status_->setObjectName(QStringLiteral("pastRunStatus"));
    row->addWidget(status_);

    connect(reload, &QPushButton::clicked, this, &PastRunPicker::refresh);
    connect(combo_, &QComboBox::currentIndexChanged, this, &PastRunPicker::choose);
}

const JobRun* PastRunPicker::run(qint64 id) const {
    const auto it = std::find_if(runs_.begin(), runs_.end(), [id](const JobRun& r) { return r.id == id; });
    return it == runs_.end() ? nullptr : &*it;
}

const JobRun* PastRunPicker::current() const { return shown_ ? run(shown_) : nullptr; }

bool PastRunPicker::select(qint64 id) {
    const int index = combo_->findData(id);
    if (index < 0) return false;
    if (index == combo_->currentIndex())
        choose(index);
    else
        combo_->setCurrentIndex(index);
    return true;
}

void PastRunPicker::awaitRun(qint64 id) {
    awaited_ = id;
    awaitRetries_ = 0;
    refresh();
}

void PastRunPicker::choose(int index) {
    if (index < 0 || index >= int(runs_.size())) return;
    shown_ = runs_[std::size_t(index)].id;
    emit runChosen(shown_);
}

void PastRunPicker::refresh() {
    status_->setText(tr("Loading…"));
    tracker_.startJob([path = dbPath_, kind = kind_, name = texts_.accuracyName] { return readJobHistory(path, kind, name); },
                      [this](JobHistory history) { apply(std::move(history)); });
}

void PastRunPicker::apply(JobHistory history) {
    ++loads_;
    if (!history.error.isEmpty()) {
        status_->setText(historyErrorHtml(history.error));
        emit refreshed();
        return;
    }
    trained_ = std::move(history.trained);
    runs_ = std::move(history.jobRuns);

    // The run to show: a job that just ended, else the run on show, else the newest. The
    // awaited run is put on show only once the history has its end; until then what is on
    // show stays (the page may show the job's own result).
    qint64 want = shown_;
    bool retry = false;
    if (awaited_) {
        const JobRun* awaited = run(awaited_);
        if (awaited) want = awaited_;
        if (awaited && !awaited->unfinished())
            awaited_ = 0;
        else if (awaitRetries_ < kMaxAwaitRetries)
            retry = true;
        else
            awaited_ = 0;
    }
    int index = -1;
    {
        const QSignalBlocker block(combo_);
        combo_->clear();
        for (const JobRun& r : runs_) {
            combo_->addItem(r.label, r.id);
            if (r.id == want) index = combo_->count() - 1;
        }
        if (index < 0 && want == 0 && !runs_.empty()) index = 0;
        combo_->setCurrentIndex(index);
    }
    if (index >= 0 && !retry) choose(index);

    const int n = int(runs_.size());
    status_->setText(n == 1 ? texts_.one : texts_.many.arg(n));
    if (retry) {
        ++awaitRetries_;
        QTimer::singleShot(kAwaitRetryMs, this, &PastRunPicker::refresh);
    }
    emit refreshed();
}

}  // namespace sparq::ui
