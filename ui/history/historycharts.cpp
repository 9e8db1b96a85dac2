#include "history/historycharts.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QStyle>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "charts/chartexport.h"
#include "history/configdiffmodel.h"
#include "history/parallelcoordinateschart.h"
#include "history/paretochart.h"
#include "history/runoverlaychart.h"
#include "history/runtablemodel.h"

namespace sparq::ui {

HistoryCharts::HistoryCharts(const RunTableModel* runs, QWidget* parent) : QTabWidget(parent), runs_(runs) {
    setObjectName(QStringLiteral("historyCharts"));
    setDocumentMode(true);

    overlay_ = new RunOverlayChart(this);
    addTab(overlay_, tr("&Overlay"));

    auto* diff = new QWidget(this);
    auto* diffLayout = new QVBoxLayout(diff);
    diffLayout->setContentsMargins(0, 4, 0, 0);
    auto* diffBar = new QHBoxLayout;
    diffCaption_ = new QLabel(diff);
    diffCaption_->setObjectName(QStringLiteral("diffCaption"));
    showAll_ = new QCheckBox(tr("Show &all keys"), diff);
    showAll_->setToolTip(tr("Also list the settings every selected run shares (the differing ones in bold)"));
    diffBar->addWidget(diffCaption_, 1);
    diffBar->addWidget(showAll_);
    diffLayout->addLayout(diffBar);
    diffModel_ = new ConfigDiffModel(this);
    diffView_ = new QTableView(diff);
    diffView_->setObjectName(QStringLiteral("configDiff"));
    diffView_->setModel(diffModel_);
    diffView_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    diffView_->setAlternatingRowColors(true);
    diffView_->setWordWrap(false);
    diffView_->verticalHeader()->hide();
    diffView_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    diffView_->horizontalHeader()->setDefaultSectionSize(160);
    diffLayout->addWidget(diffView_, 1);
    addTab(diff, tr("Configuration &diff"));

    parallel_ = new ParallelCoordinatesChart(this);
    addTab(parallel_, tr("&Parallel coordinates"));
    pareto_ = new ParetoChart(this);
    addTab(pareto_, tr("Pa&reto"));

    save_ = new QToolButton(this);
    save_->setObjectName(QStringLiteral("saveChart"));
    save_->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    save_->setText(tr("Save chart…"));
    save_->setToolTip(tr("Save the chart on show as PNG, SVG or PDF"));
    save_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    setCornerWidget(save_, Qt::TopRightCorner);

    connect(showAll_, &QCheckBox::toggled, this, [this](bool all) {
        diffModel_->setShowAll(all);
        update(DiffTab);
    });
    connect(save_, &QToolButton::clicked, this, &HistoryCharts::saveCurrentChart);
    connect(this, &QTabWidget::currentChanged, this, [this](int tab) {
        save_->setEnabled(chartOf(tab) != nullptr);
        if (stale_[tab]) update(tab);
    });
    save_->setEnabled(chartOf(currentIndex()) != nullptr);
}

void HistoryCharts::setDatabase(const std::string& path) { overlay_->setDatabase(path); }

QCustomPlot* HistoryCharts::chartOf(int tab) const {
    switch (tab) {
    case OverlayTab: return overlay_->plot();
    case ParallelTab: return parallel_->plot();
    case ParetoTab: return pareto_->plot();
    default: return nullptr;
    }
}

void HistoryCharts::setRuns(std::vector<profiler::RunId> selected, std::vector<profiler::RunId> shown,
                            SharedRunNumbers numbers) {
    selected_ = std::move(selected);
    shown_ = std::move(shown);
    numbers_ = std::move(numbers);
    for (bool& s : stale_) s = true;
    update(currentIndex());
}

std::vector<const profiler::RunRecord*> HistoryCharts::records(const std::vector<profiler::RunId>& ids) const {
    std::vector<const profiler::RunRecord*> out;
    out.reserve(ids.size());
    for (profiler::RunId id : ids)
        if (const profiler::RunRecord* r = runs_->runById(id)) out.push_back(r);
    return out;
}

void HistoryCharts::update(int tab) {
    if (tab < 0 || tab > ParetoTab) return;
    stale_[tab] = false;
    static const RunNumbersById kNoNumbers;
    const bool useSelection = selected_.size() >= 2;
    const QString which =
        useSelection ? tr("%1 selected").arg(RunTableModel::countRuns(int(selected_.size())))
                     : tr("All %1 in the table (select two or more to compare only those)")
                           .arg(RunTableModel::countRuns(int(shown_.size())));
    switch (tab) {
    case OverlayTab: {
        std::vector<OverlayRun> runs;
        for (const profiler::RunRecord* r : records(selected_))
            runs.push_back({r->id, tr("Run %1").arg(r->id)});
        overlay_->setRuns(std::move(runs));
        break;
    }
    case DiffTab: {
        std::vector<profiler::RunRecord> runs;
        for (const profiler::RunRecord* r : records(selected_)) {
            if (int(runs.size()) == ConfigDiffModel::kMaxRuns) break;
            runs.push_back(*r);
        }
        if (runs.size() < 2) runs.clear();
        diffModel_->setRuns(runs);
        QString caption;
        if (selected_.size() < 2)
            caption = tr("Select two or more runs (Ctrl+click, Shift+click) to compare their configurations.");
        else if (diffModel_->differingCount() == 0)
            caption = tr("The %1 selected have identical configurations.").arg(RunTableModel::countRuns(diffModel_->runCount()));
        else
            caption = (diffModel_->differingCount() == 1 ? tr("1 key differs")
                                                         : tr("%1 keys differ").arg(diffModel_->differingCount())) +
                      tr(" between the %1 selected").arg(RunTableModel::countRuns(diffModel_->runCount()));
        if (int(selected_.size()) > ConfigDiffModel::kMaxRuns)
            caption += tr(" (the first %1 of %2)").arg(ConfigDiffModel::kMaxRuns).arg(selected_.size());
        diffCaption_->setText(caption);
        diffView_->resizeColumnToContents(0);
        break;
    }
    case ParallelTab:
    case ParetoTab: {
        const std::vector<profiler::RunId>& ids = useSelection ? selected_ : shown_;
        if (ids == drawnIds_[tab] && numbers_ == drawnNumbers_[tab]) break;
        drawnIds_[tab] = ids;
        drawnNumbers_[tab] = numbers_;
        if (tab == ParallelTab)
            parallel_->setRuns(records(ids), numbers_ ? *numbers_ : kNoNumbers, which);
        else
            pareto_->setRuns(records(ids), numbers_, which);
        break;
    }
    }
}

void HistoryCharts::saveCurrentChart() {
    static const char* names[] = {"overlay", "diff", "parallel-coordinates", "pareto"};
    QCustomPlot* plot = chartOf(currentIndex());
    if (!plot) return;
    saveChartAs(plot, this, QStringLiteral("sparq-%1.png").arg(QLatin1String(names[currentIndex()])));
}

}  // namespace sparq::ui
