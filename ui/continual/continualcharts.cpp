#include "continual/continualcharts.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <QGridLayout>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "continual/accuracymatrixmap.h"
#include "continual/fisherimportancechart.h"

namespace sparq::ui {
namespace {

const char* const kMethodNames[ContinualCharts::MethodCount] = {"ewc", "finetune"};
const char* const kMethodTitles[ContinualCharts::MethodCount] = {QT_TR_NOOP("EWC"), QT_TR_NOOP("Fine-tuning")};
const QColor kTaskStartColor(90, 90, 90);
constexpr int kLegendTasks = 10;

// "task7" -> 7; -1 when the text is not that.
int taskIndex(const std::string& text) {
    if (text.rfind("task", 0) != 0 || text.size() == 4) return -1;
    int index = 0;
    for (std::size_t i = 4; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9' || index > 100000) return -1;
        index = index * 10 + (text[i] - '0');
    }
    return index;
}

QString noFinetuneText() { return ContinualCharts::tr("This run trains no fine-tune baseline"); }

std::int64_t firstTime(const profiler::SeriesPoints& s) {
    return s.time_ns.empty() ? std::numeric_limits<std::int64_t>::max()
                             : *std::min_element(s.time_ns.begin(), s.time_ns.end());
}

}  // namespace

ContinualCharts::Role ContinualCharts::roleOf(const std::string& series) {
    Role role;
    const std::string prefix = kPrefix;
    if (series.rfind(prefix, 0) != 0) return role;
    const std::size_t slash = series.find('/', prefix.size());
    if (slash == std::string::npos) return role;
    const std::string method = series.substr(prefix.size(), slash - prefix.size());
    const std::string rest = series.substr(slash + 1);
    const auto known = std::find(std::begin(kMethodNames), std::end(kMethodNames), method);
    if (known == std::end(kMethodNames)) return role;  // the joint baseline
    role.method = int(known - std::begin(kMethodNames));
    auto after = [&](const char* head) {
        return rest.rfind(head, 0) == 0 ? rest.substr(std::strlen(head)) : std::string();
    };
    if (rest == "task") {
        role.kind = Role::Task;
    } else if (const int j = taskIndex(after("accuracy/")); j >= 0) {
        role.kind = Role::Accuracy;
        role.task = j;
    } else if (const int k = taskIndex(after("matrix/")); k >= 0) {
        role.kind = Role::Matrix;
        role.task = k;
    } else if (const std::string param = after("fisher/"); role.method == Ewc && !param.empty()) {
        role.kind = Role::Fisher;
        role.param = QString::fromStdString(param);
    }
    return role;
}

bool ContinualCharts::isCharted(const std::string& series) { return roleOf(series).kind != Role::None; }

ContinualCharts::ContinualCharts(profiler::MetricBus& bus, QWidget* parent)
    : TechniqueCharts(QStringLiteral("continualChartsCaption"), parent),
      feed_(ChartFeed::matching(bus, {kPrefix, ""}, 2000, ChartFeed::XAxis::Step)) {
    auto* grid = new QGridLayout;
    grid->setSpacing(6);
    for (int m = 0; m < MethodCount; ++m) {
        MethodCharts& part = parts_[std::size_t(m)];
        part.matrix = new AccuracyMatrixMap(tr("Accuracy matrix · %1").arg(tr(kMethodTitles[m])), this);
        part.matrix->setObjectName(QStringLiteral("continualMatrix_%1").arg(kMethodNames[m]));
        grid->addWidget(part.matrix, 0, m);

        auto* plot = new QCustomPlot(this);
        plot->setObjectName(QStringLiteral("continualAccuracy_%1").arg(kMethodNames[m]));
        plot->setMinimumSize(260, 200);
        frameChart(plot, tr("Test accuracy per task · %1").arg(tr(kMethodTitles[m])));
        plot->xAxis->setLabel(tr("optimizer step"));
        plot->yAxis->setLabel(tr("accuracy"));
        // The legend in a strip under the axis rect, five tasks a row: inside it would hide the
        // lines of the tasks forgotten most.
        plot->axisRect()->insetLayout()->take(plot->legend);
        plot->plotLayout()->addElement(2, 0, plot->legend);
        plot->plotLayout()->setRowStretchFactor(2, 0.001);
        plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
        plot->legend->setWrap(5);
        plot->legend->setBorderPen(Qt::NoPen);
        plot->legend->setVisible(true);
        part.curves = plot;
        part.placeholder = addPlaceholder(plot);
        grid->addWidget(plot, 1, m);
    }
    fisher_ = new FisherImportanceChart(this);
    grid->addWidget(fisher_, 0, MethodCount, 2, 1);
    column()->addLayout(grid, 1);
    clear(tr("No continual run on show yet."));
}

ContinualCharts::~ContinualCharts() = default;

QCPGraph* ContinualCharts::taskLine(Method m, int task) const {
    const auto& lines = parts_[std::size_t(m)].lines;
    const auto it = lines.find(task);
    return it == lines.end() ? nullptr : it->second;
}

void ContinualCharts::resetMethod(int method, int tasks, const QString& message) {
    MethodCharts& part = parts_[std::size_t(method)];
    part.matrix->reset(tasks, message);
    for (const auto& [task, line] : part.lines) part.curves->removeGraph(line);
    part.lines.clear();
    for (const TaskMarker& t : part.markers) removeStepMarker(part.curves, t.marker);
    part.markers.clear();
    part.placeholder->setText(message);
    part.placeholder->setVisible(true);
    part.curves->replot(QCustomPlot::rpQueuedReplot);
}

void ContinualCharts::resetContent(int tasks, bool finetune, const QString& message) {
    resetMethod(Ewc, tasks, message);
    if (finetune)
        resetMethod(Finetune, tasks, message);
    else
        resetMethod(Finetune, 0, noFinetuneText());
    fisher_->clear(message);
}

bool ContinualCharts::addTaskMarker(int method, int task, double step) {
    MethodCharts& part = parts_[std::size_t(method)];
    const bool known = std::any_of(part.markers.begin(), part.markers.end(),
                                   [&](const TaskMarker& t) { return t.task == task && t.step == step; });
    if (known || task < 0) return false;
    const StepMarker marker = addStepMarker(part.curves, step, tr("task %1").arg(task + 1), kTaskStartColor);
    part.markers.push_back({task, step, marker});
    return true;
}

void ContinualCharts::apply(const Role& role, const std::vector<ChartFeed::Point>& points, bool reset,
                            Touched& touched, bool live) {
    MethodCharts& part = parts_[std::size_t(role.method)];
    switch (role.kind) {
    case Role::None:
        return;
    case Role::Task:
        if (reset) {
            for (const TaskMarker& t : part.markers) removeStepMarker(part.curves, t.marker);
            part.markers.clear();
        }
        for (const ChartFeed::Point& p : points)
            if (addTaskMarker(role.method, int(p.y), p.x) && live) emit taskStarted(role.method, int(p.y), p.x);
        touched.curves[std::size_t(role.method)] = true;
        return;
    case Role::Accuracy: {
        QCPGraph*& line = part.lines[role.task];
        if (!line) {
            if (points.empty()) {
                part.lines.erase(role.task);
                return;
            }
            line = part.curves->addGraph();
            line->setName(tr("task %1").arg(role.task + 1));
            line->setPen(QPen(lineColor(role.task), 1.6));
            line->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
            // Past the first tasks the colours repeat and the legend would crowd out the chart;
            // a later task's line starts where its marker stands.
            if (role.task >= kLegendTasks) line->removeFromLegend();
        }
        if (reset) line->data()->clear();
        for (const ChartFeed::Point& p : points) line->addData(p.x, p.y);
        touched.curves[std::size_t(role.method)] = true;
        return;
    }
    case Role::Matrix:
        for (const ChartFeed::Point& p : points) part.matrix->setAccuracy(int(p.x), role.task, p.y);
        return;
    case Role::Fisher:
        for (const ChartFeed::Point& p : points) fisher_->addMean(int(p.x), role.param, p.y);
        touched.fisher = touched.fisher || !points.empty();
        return;
    }
}

void ContinualCharts::refresh(const Touched& touched) {
    for (int m = 0; m < MethodCount; ++m) {
        if (!touched.curves[std::size_t(m)]) continue;
        MethodCharts& part = parts_[std::size_t(m)];
        const bool drawn = fitToData(part.curves);
        part.placeholder->setVisible(!drawn);
        if (!drawn) continue;
        // Accuracy: the whole scale, so that forgetting looks as large as it is; the last
        // points clear of the right edge.
        part.curves->yAxis->setRange(0.0, 1.02);
        part.curves->xAxis->setRange(0.0, part.curves->xAxis->range().upper * 1.04);
    }
    if (touched.fisher) fisher_->refresh();
}

void ContinualCharts::followRun(profiler::RunId run, int tasks, bool finetune) {
    if (run != this->run() || showsRecorded()) {
        resetContent(tasks, finetune, tr("Filled in as tasks finish"));
    } else {
        // Its first samples are drawn already: only the shape is new.
        parts_[Ewc].matrix->setTaskCount(tasks);
        if (finetune)
            parts_[Finetune].matrix->setTaskCount(tasks);
        else
            resetMethod(Finetune, 0, noFinetuneText());
    }
    feed_->set_run(run);
    setCaption(run, false);
}

void ContinualCharts::clear(const QString& caption) {
    resetContent(0, true, tr("No run on show"));
    clearCaption(caption);
}

void ContinualCharts::showRecorded(profiler::RunId run, int tasks, bool finetune,
                                   const std::vector<profiler::SeriesPoints>& series) {
    feed_->set_run(run);
    (void)feed_->take();  // what the feed kept of this run is replaced by the full record
    resetContent(tasks, finetune, tr("Nothing recorded"));
    // In the order the job published them: the network's order of parameters, tasks in turn.
    std::vector<const profiler::SeriesPoints*> ordered;
    for (const profiler::SeriesPoints& s : series) ordered.push_back(&s);
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto* a, const auto* b) { return firstTime(*a) < firstTime(*b); });
    Touched touched;
    for (const profiler::SeriesPoints* s : ordered)
        apply(roleOf(s->name), ChartFeed::recordedPoints(*s), false, touched, false);
    setCaption(run, true);
    touched.curves.fill(true);
    touched.fisher = true;
    refresh(touched);
}

void ContinualCharts::drain() {
    ChartFeed::Update update = feed_->take();
    if (update.empty()) return;
    for (const std::string& name : update.added) roles_.push_back(roleOf(name));
    if (update.run != run() || showsRecorded()) {
        // A run that started before its id reached the page: its shape comes with followRun().
        resetContent(0, true, tr("Filled in as tasks finish"));
        setCaption(update.run, false);
    }
    Touched touched;
    for (std::size_t slot = 0; slot < update.series.size() && slot < roles_.size(); ++slot) {
        const ChartFeed::SeriesUpdate& s = update.series[slot];
        if (s.reset || !s.points.empty()) apply(roles_[slot], s.points, s.reset, touched, true);
    }
    refresh(touched);
}

}  // namespace sparq::ui
