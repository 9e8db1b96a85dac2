#include "history/paretochart.h"

#include <algorithm>
#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include "charts/paretoplot.h"

namespace sparq::ui {

ParetoChart::ParetoChart(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    const auto addAxis = [&](const QString& text, QComboBox*& combo, QCheckBox*& higher, const char* name) {
        combo = new QComboBox(this);
        combo->setObjectName(QString::fromLatin1(name));
        combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
        combo->setMaxVisibleItems(20);
        auto* label = new QLabel(text, this);
        label->setBuddy(combo);
        higher = new QCheckBox(tr("higher is better"), this);
        higher->setToolTip(tr("Which way this measure improves; the frontier follows it"));
        controls->addWidget(label);
        controls->addWidget(combo);
        controls->addWidget(higher);
        controls->addSpacing(16);
    };
    addAxis(tr("&X"), xCombo_, xHigher_, "paretoX");
    addAxis(tr("&Y"), yCombo_, yHigher_, "paretoY");
    controls->addStretch(1);
    layout->addLayout(controls);
    captionLabel_ = new QLabel(this);
    captionLabel_->setObjectName(QStringLiteral("paretoCaption"));
    captionLabel_->setWordWrap(true);
    layout->addWidget(captionLabel_);

    plot_ = new ParetoPlot(tr("Trade-off between two measures"), tr("runs"), this);
    plot_->setObjectName(QStringLiteral("paretoChart"));
    layout->addWidget(plot_, 1);

    connect(xCombo_, qOverload<int>(&QComboBox::activated), this, [this] { fieldChosen(xCombo_, xHigher_); });
    connect(yCombo_, qOverload<int>(&QComboBox::activated), this, [this] { fieldChosen(yCombo_, yHigher_); });
    for (QCheckBox* c : {xHigher_, yHigher_}) connect(c, &QCheckBox::toggled, this, &ParetoChart::redraw);

    fillCombos();
    redraw();
}

void ParetoChart::setRuns(const std::vector<const profiler::RunRecord*>& runs, SharedRunNumbers numbers,
                          const QString& caption) {
    runs_.clear();
    runs_.reserve(runs.size());
    for (const profiler::RunRecord* r : runs) runs_.push_back({r->id, QString::fromStdString(r->name), r->test_accuracy});
    numbers_ = std::move(numbers);
    caption_ = caption;
    fillCombos();
    redraw();
}

void ParetoChart::fillCombos() {
    static const RunNumbers kNone;
    std::vector<const RunNumbers*> nums;
    for (const Run& r : runs_) {
        const auto it = numbers_ ? numbers_->find(r.id) : RunNumbersById::const_iterator();
        nums.push_back(numbers_ && it != numbers_->end() ? &it->second : &kNone);
    }
    fields_ = namedMeasures();
    for (RunField& f : numericFields(nums, true, false))
        if (f.id != QLatin1String("summary.test_accuracy")) fields_.push_back(std::move(f));

    for (QComboBox* combo : {xCombo_, yCombo_}) {
        const QString current = combo->currentData().toString();
        const QSignalBlocker block(combo);
        combo->clear();
        for (std::size_t i = 0; i < fields_.size(); ++i) {
            if (i == namedMeasures().size()) combo->insertSeparator(combo->count());
            combo->addItem(fields_[i].label, fields_[i].id);
        }
        const int keep = combo->findData(current);
        if (keep >= 0) {
            combo->setCurrentIndex(keep);
            continue;
        }
        // First look: accuracy up the y axis, against the first other measure runs have.
        QString pick = QStringLiteral("@accuracy");
        if (combo == xCombo_) {
            pick = QStringLiteral("@latency");
            for (const char* id : {"@latency", "@size", "@active"}) {
                const bool any = std::any_of(runs_.begin(), runs_.end(), [&, id](const Run& r) {
                    const auto it = numbers_ ? numbers_->find(r.id) : RunNumbersById::const_iterator();
                    return numbers_ && it != numbers_->end() && fieldValue(QLatin1String(id), r.accuracy, it->second);
                });
                if (any) {
                    pick = QLatin1String(id);
                    break;
                }
            }
        }
        combo->setCurrentIndex(std::max(0, combo->findData(pick)));
        QCheckBox* higher = combo == xCombo_ ? xHigher_ : yHigher_;
        const QSignalBlocker blockCheck(higher);
        const auto f = std::find_if(fields_.begin(), fields_.end(),
                                    [&](const RunField& rf) { return rf.id == combo->currentData().toString(); });
        higher->setChecked(f != fields_.end() && f->higherIsBetter);
    }
}

void ParetoChart::fieldChosen(QComboBox* combo, QCheckBox* higher) {
    const QString id = combo->currentData().toString();
    const auto f = std::find_if(fields_.begin(), fields_.end(), [&](const RunField& rf) { return rf.id == id; });
    const QSignalBlocker block(higher);
    higher->setChecked(f != fields_.end() && f->higherIsBetter);
    redraw();
}

bool ParetoChart::setFields(const QString& xId, const QString& yId) {
    const int x = xCombo_->findData(xId), y = yCombo_->findData(yId);
    if (x < 0 || y < 0) return false;
    xCombo_->setCurrentIndex(x);
    yCombo_->setCurrentIndex(y);
    fieldChosen(xCombo_, xHigher_);
    fieldChosen(yCombo_, yHigher_);
    return true;
}

void ParetoChart::setHigherIsBetter(bool x, bool y) {
    {
        const QSignalBlocker bx(xHigher_), by(yHigher_);
        xHigher_->setChecked(x);
        yHigher_->setChecked(y);
    }
    redraw();
}

QCustomPlot* ParetoChart::plot() const { return plot_; }

void ParetoChart::redraw() {
    const QString xId = xCombo_->currentData().toString(), yId = yCombo_->currentData().toString();
    std::vector<ParetoPlot::Point> points;
    plotted_.clear();
    for (std::size_t i = 0; i < runs_.size() && numbers_; ++i) {
        const auto it = numbers_->find(runs_[i].id);
        static const RunNumbers kNone;
        const RunNumbers& n = it == numbers_->end() ? kNone : it->second;
        const auto x = fieldValue(xId, runs_[i].accuracy, n), y = fieldValue(yId, runs_[i].accuracy, n);
        if (!x || !y || !std::isfinite(*x) || !std::isfinite(*y)) continue;
        const Run& r = runs_[i];
        points.push_back({*x, *y, tr("Run %1").arg(r.id), tr("Run %1 · %2").arg(r.id).arg(r.name)});
        plotted_.push_back(runs_[i].id);
    }

    const auto labelOf = [&](const QString& id) {
        const auto f = std::find_if(fields_.begin(), fields_.end(), [&](const RunField& rf) { return rf.id == id; });
        return f == fields_.end() ? id : f->label;
    };
    const std::size_t plotted = points.size();
    plot_->setPoints(std::move(points), {labelOf(xId), xHigher_->isChecked()}, {labelOf(yId), yHigher_->isChecked()},
                     runs_.empty() ? tr("No runs to compare: select runs, or widen the filter")
                                   : tr("No run has both %1 and %2").arg(labelOf(xId), labelOf(yId)));
    front_.clear();
    for (std::size_t k : plot_->front()) front_.push_back(plotted_[k]);

    QString caption = caption_;
    if (plotted > 0) caption += tr(" — %1 plotted, %2 on the frontier").arg(plotted).arg(front_.size());
    if (plotted < runs_.size()) caption += tr("; %1 without both values left out").arg(runs_.size() - plotted);
    captionLabel_->setText(caption);
}

}  // namespace sparq::ui
