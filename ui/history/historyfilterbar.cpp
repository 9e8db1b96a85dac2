#include "history/historyfilterbar.h"

#include <algorithm>
#include <set>

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QStyle>
#include <QTimer>
#include <QToolButton>

namespace sparq::ui {
namespace {

// The earliest date of the range controls stands for "no bound".
const QDate kNoBound(2000, 1, 1);

std::int64_t midnightNs(const QDate& day) {
    return QDateTime(day, QTime(0, 0)).toMSecsSinceEpoch() * 1000000LL;
}

QComboBox* makeCombo(QWidget* parent, const QString& anyText, const char* name, const QString& tip) {
    auto* combo = new QComboBox(parent);
    combo->setObjectName(QString::fromLatin1(name));
    combo->addItem(anyText, QString());
    combo->setToolTip(tip);
    combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    return combo;
}

QDateEdit* makeDate(QWidget* parent, const char* name, const QString& tip) {
    auto* edit = new QDateEdit(parent);
    edit->setObjectName(QString::fromLatin1(name));
    edit->setCalendarPopup(true);
    edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    edit->setMinimumDate(kNoBound);
    edit->setSpecialValueText(QObject::tr("any"));
    edit->setDate(kNoBound);
    edit->setToolTip(tip);
    return edit;
}

// Replaces a combo's entries after its "any" entry with `values`, keeping the current choice.
void refill(QComboBox* combo, const std::set<std::string>& values) {
    const QString current = combo->currentData().toString();
    while (combo->count() > 1) combo->removeItem(1);
    for (const std::string& v : values) combo->addItem(QString::fromStdString(v), QString::fromStdString(v));
    if (!current.isEmpty() && combo->findData(current) < 0) combo->addItem(current, current);
    combo->setCurrentIndex(std::max(0, combo->findData(current)));
}

}  // namespace

HistoryFilterBar::HistoryFilterBar(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    search_ = new QLineEdit(this);
    search_->setObjectName(QStringLiteral("historyFilter"));
    search_->setPlaceholderText(tr("Search names, notes, tags, configuration… (Ctrl+F)"));
    search_->setClearButtonEnabled(true);
    search_->setToolTip(tr("Case-insensitive text in a run's name, preset, tags, notes, configuration or summary"));
    layout->addWidget(search_, 3);

    kind_ = makeCombo(this, tr("All kinds"), "historyKind", tr("Only runs of this kind of job"));
    status_ = makeCombo(this, tr("Any status"), "historyStatus", tr("Only runs that ended this way"));
    tag_ = makeCombo(this, tr("Any tag"), "historyTag", tr("Only runs carrying this tag"));
    refill(status_, {"completed", "failed", "cancelled", "interrupted", "running"});
    layout->addWidget(kind_);
    layout->addWidget(status_);
    layout->addWidget(tag_);

    since_ = makeDate(this, "historySince", tr("Only runs created on or after this day"));
    until_ = makeDate(this, "historyUntil", tr("Only runs created on or before this day"));
    auto* from = new QLabel(tr("S&ince"), this);
    from->setBuddy(since_);
    auto* to = new QLabel(tr("&until"), this);
    to->setBuddy(until_);
    layout->addWidget(from);
    layout->addWidget(since_);
    layout->addWidget(to);
    layout->addWidget(until_);

    archived_ = new QCheckBox(tr("Show arc&hived"), this);
    archived_->setObjectName(QStringLiteral("historyArchived"));
    archived_->setToolTip(tr("Also list runs that were archived (shown greyed)"));
    layout->addWidget(archived_);

    clear_ = new QToolButton(this);
    clear_->setIcon(style()->standardIcon(QStyle::SP_DialogResetButton));
    clear_->setText(tr("Clear filters"));
    clear_->setToolTip(tr("Show every run again"));
    clear_->setToolButtonStyle(Qt::ToolButtonIconOnly);
    layout->addWidget(clear_);

    searchPause_ = new QTimer(this);
    searchPause_->setSingleShot(true);
    searchPause_->setInterval(150);
    connect(searchPause_, &QTimer::timeout, this, &HistoryFilterBar::changed);
    connect(search_, &QLineEdit::textChanged, searchPause_, qOverload<>(&QTimer::start));
    connect(search_, &QLineEdit::returnPressed, this, [this] {
        if (searchPause_->isActive()) {
            searchPause_->stop();
            changed();
        }
    });
    for (QComboBox* combo : {kind_, status_, tag_})
        connect(combo, qOverload<int>(&QComboBox::currentIndexChanged), this, &HistoryFilterBar::changed);
    for (QDateEdit* edit : {since_, until_}) connect(edit, &QDateEdit::dateChanged, this, &HistoryFilterBar::changed);
    connect(archived_, &QCheckBox::toggled, this, &HistoryFilterBar::changed);
    connect(clear_, &QToolButton::clicked, this, &HistoryFilterBar::clear);
}

profiler::RunFilter HistoryFilterBar::filter() const {
    profiler::RunFilter f;
    f.text = search_->text().trimmed().toStdString();
    f.kind = kind_->currentData().toString().toStdString();
    f.status = status_->currentData().toString().toStdString();
    f.tag = tag_->currentData().toString().toStdString();
    if (since_->date() > kNoBound) f.since_ns = midnightNs(since_->date());
    if (until_->date() > kNoBound) f.until_ns = midnightNs(until_->date().addDays(1));
    f.include_archived = archived_->isChecked();
    return f;
}

bool HistoryFilterBar::isFiltering() const {
    const profiler::RunFilter f = filter();
    return !f.text.empty() || !f.kind.empty() || !f.status.empty() || !f.tag.empty() || f.since_ns || f.until_ns;
}

void HistoryFilterBar::setChoices(const std::vector<profiler::RunRecord>& runs) {
    std::set<std::string> kinds, statuses{"completed", "failed", "cancelled", "interrupted", "running"}, tags;
    for (const profiler::RunRecord& r : runs) {
        if (!r.kind.empty()) kinds.insert(r.kind);
        if (!r.status.empty()) statuses.insert(r.status);
        tags.insert(r.tags.begin(), r.tags.end());
    }
    quiet_ = true;
    refill(kind_, kinds);
    refill(status_, statuses);
    refill(tag_, tags);
    quiet_ = false;
}

void HistoryFilterBar::clear() {
    quiet_ = true;
    searchPause_->stop();
    search_->clear();
    searchPause_->stop();
    for (QComboBox* combo : {kind_, status_, tag_}) combo->setCurrentIndex(0);
    since_->setDate(kNoBound);
    until_->setDate(kNoBound);
    archived_->setChecked(false);
    quiet_ = false;
    changed();
}

void HistoryFilterBar::focusSearch() {
    search_->setFocus(Qt::ShortcutFocusReason);
    search_->selectAll();
}

void HistoryFilterBar::changed() {
    if (!quiet_) emit filterChanged();
}

}  // namespace sparq::ui
