#include "serving/servingresultsmodel.h"

#include <QFont>
#include <QLocale>
#include <QStringList>

#include "sparq/profiler/compare.h"

namespace sparq::ui {
namespace {

constexpr double kBytesPerMiB = 1024.0 * 1024.0;

QString joined(const std::vector<int>& values) {
    QStringList parts;
    for (int v : values) parts << QString::number(v);
    return parts.join(QLatin1Char(','));
}

// "20ms", "1.5ms", "500µs".
QString delayText(int us) {
    if (us < 1000) return QStringLiteral("%1µs").arg(us);
    return QStringLiteral("%1ms").arg(QString::number(us / 1000.0, 'g', 6));
}

QString distributionText(const engine::LengthDistribution& d) {
    if (d.kind == "fixed") return QStringLiteral("fixed %1").arg(d.median);
    if (d.kind == "uniform") return QStringLiteral("uniform in [%1, %2]").arg(d.min).arg(d.max);
    if (d.kind == "pareto")
        return QStringLiteral("pareto scale %1 shape %2, at most %3").arg(d.min).arg(d.sigma).arg(d.max);
    return QStringLiteral("%1 median %2 σ %3 in [%4, %5]")
        .arg(QString::fromStdString(d.kind))
        .arg(d.median)
        .arg(d.sigma)
        .arg(d.min)
        .arg(d.max);
}

}  // namespace

QString servingSettingsText(const engine::ServeBenchSpec& spec, const std::string& policy) {
    const engine::BatchPolicySpec& b = spec.batching;
    QString text = QString::fromStdString(policy);
    const engine::BatchPolicySpec defaults;
    if (policy == "kmeans") {
        text += QStringLiteral(" k=%1").arg(b.clusters);
        if (b.within == "nearest")
            text += b.neighbour_window > 0 ? QStringLiteral(" nearest-of=%1").arg(b.neighbour_window)
                                           : QStringLiteral(" nearest");
        if (b.output_weight != defaults.output_weight) text += QStringLiteral(" out-weight=%1").arg(b.output_weight);
        if (b.min_wait_share != defaults.min_wait_share) text += QStringLiteral(" wait-share=%1").arg(b.min_wait_share);
    }
    text += QStringLiteral(" B=%1").arg(b.max_batch);
    if (b.prefill_groups != defaults.prefill_groups) text += QStringLiteral(" prefills=%1").arg(b.prefill_groups);
    if (!b.retire_finished && policy != "continuous") text += QStringLiteral(" keep-finished");
    if (policy == "max-delay") text += QStringLiteral(" preferred=%1").arg(joined(b.preferred_batch_sizes));
    if (policy == "bucket") text += QStringLiteral(" edges=%1").arg(joined(b.bucket_edges));
    if (policy == "max-delay" || policy == "bucket" || policy == "kmeans")
        text += QStringLiteral(" delay=%1").arg(delayText(b.max_queue_delay_us));
    if (spec.attention == "segmented") text += QStringLiteral(" segmented w=%1").arg(spec.window);
    return text;
}

QString servingWorkloadText(const engine::WorkloadSpec& w) {
    const QString arrivals = w.rate > 0 ? QObject::tr("Poisson %1 req/s").arg(w.rate)
                                        : QObject::tr("%1 clients").arg(w.concurrency);
    return QObject::tr("%1 req · %2 · seed %3").arg(w.requests).arg(arrivals).arg(qulonglong(w.seed));
}

QString servingWorkloadDetail(const engine::WorkloadSpec& w) {
    return QObject::tr("prompt %1; output %2").arg(distributionText(w.prompt), distributionText(w.output));
}

std::vector<ServingRow> servingRows(const engine::ServeBenchSpec& spec, const engine::ServeBenchReport& report) {
    std::vector<ServingRow> rows;
    for (const engine::ServeResult& r : report.results)
        rows.push_back({report.run_id, servingSettingsText(spec, r.policy), servingWorkloadText(spec.workload),
                        servingWorkloadDetail(spec.workload), r});
    return rows;
}

ServingResultsModel::ServingResultsModel(QObject* parent) : QAbstractTableModel(parent) {}

std::vector<std::size_t> ServingResultsModel::frontierOf(const std::vector<ServingRow>& rows) {
    std::vector<profiler::ParetoPoint> points;
    points.reserve(rows.size());
    for (const ServingRow& r : rows) points.push_back({r.result.p95_ms, r.result.throughput_rps});
    return profiler::pareto_front(points, /*maximize_x=*/false, /*maximize_y=*/true);
}

void ServingResultsModel::addRows(std::vector<ServingRow> rows) {
    if (rows.empty()) return;
    const int first = int(rows_.size());
    beginInsertRows({}, first, first + int(rows.size()) - 1);
    for (ServingRow& r : rows) rows_.push_back(std::move(r));
    endInsertRows();
    updateFrontier();
    emit rowsChanged();
}

void ServingResultsModel::clear() {
    if (rows_.empty()) return;
    beginResetModel();
    rows_.clear();
    frontier_.clear();
    onFrontier_.clear();
    endResetModel();
    emit rowsChanged();
}

void ServingResultsModel::updateFrontier() {
    frontier_ = frontierOf(rows_);
    onFrontier_.assign(rows_.size(), false);
    for (std::size_t i : frontier_) onFrontier_[i] = true;
    // Any row may have joined or left the frontier.
    if (!rows_.empty()) emit dataChanged(index(0, 0), index(int(rows_.size()) - 1, ColumnCount - 1));
}

bool ServingResultsModel::onFrontier(int row) const {
    return row >= 0 && std::size_t(row) < onFrontier_.size() && onFrontier_[std::size_t(row)];
}

int ServingResultsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

int ServingResultsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ServingResultsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const ServingRow& row = rows_[std::size_t(index.row())];
    const engine::ServeResult& r = row.result;
    const auto column = Column(index.column());

    if (role == FrontierRole) return onFrontier(index.row());
    if (role == Qt::FontRole && onFrontier(index.row())) {
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    if (role == Qt::TextAlignmentRole)
        return int(column >= Throughput && column <= KvCacheMb ? Qt::AlignRight | Qt::AlignVCenter
                                                               : Qt::AlignLeft | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        if (column == Workload) return row.workloadDetail;
        if (onFrontier(index.row()))
            return tr("On the Pareto frontier: no other row has both a higher throughput and a lower p95 latency");
        return {};
    }
    if (role != Qt::DisplayRole && role != SortRole) return {};
    const bool sort = role == SortRole;
    const QLocale locale;
    const auto number = [&](double value, int decimals) -> QVariant {
        return sort ? QVariant(value) : QVariant(locale.toString(value, 'f', decimals));
    };
    switch (column) {
    case Run:
        if (sort) return row.run;
        return row.run > 0 ? QString::number(row.run) : tr("—");
    case Policy: return QString::fromStdString(r.policy);
    case Settings: return row.settings;
    case Workload: return row.workload;
    case Throughput: return number(r.throughput_rps, 2);
    case TokensPerS: return number(r.tokens_per_s, 0);
    case P50: return number(r.p50_ms, 1);
    case P95: return number(r.p95_ms, 1);
    case P99: return number(r.p99_ms, 1);
    case Padding:
        return sort ? QVariant(r.padding_fraction)
                    : QVariant(tr("%1 %").arg(locale.toString(100.0 * r.padding_fraction, 'f', 1)));
    case MeanBatch: return number(r.mean_batch, 2);
    case KvCacheMb: return number(double(r.kv_cache_peak_bytes) / kBytesPerMiB, 2);
    case ColumnCount: break;
    }
    return {};
}

QVariant ServingResultsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Vertical) {
        const bool shown = role == Qt::DisplayRole && section >= 0 && section < rowCount();
        return shown ? QVariant(QStringLiteral("#%1").arg(section + 1)) : QVariant();
    }
    static const char* const titles[ColumnCount] = {
        QT_TR_NOOP("Run"),      QT_TR_NOOP("Policy"),     QT_TR_NOOP("Throughput (req/s)"), QT_TR_NOOP("Tokens/s"),
        QT_TR_NOOP("p50 (ms)"), QT_TR_NOOP("p95 (ms)"),   QT_TR_NOOP("p99 (ms)"),           QT_TR_NOOP("Padding"),
        QT_TR_NOOP("Mean batch"), QT_TR_NOOP("KV cache (MiB)"), QT_TR_NOOP("Settings"),      QT_TR_NOOP("Workload")};
    static const char* const tips[ColumnCount] = {
        QT_TR_NOOP("The run in the history"),
        QT_TR_NOOP("Batching policy"),
        QT_TR_NOOP("Requests answered per second of the run"),
        QT_TR_NOOP("Generated bytes per second"),
        QT_TR_NOOP("Median request latency, arrival to last byte"),
        QT_TR_NOOP("95th percentile latency"),
        QT_TR_NOOP("99th percentile latency"),
        QT_TR_NOOP("Wasted token slots over all token slots of the batches"),
        QT_TR_NOOP("Requests per batch (continuous: live rows per step)"),
        QT_TR_NOOP("The largest live KV cache, its tensors' storage"),
        QT_TR_NOOP("The policy's settings: k clusters (nearest: batches of the most alike in a cluster, "
                   "not its oldest), B max batch, prefill groups and keep-finished when not the defaults, "
                   "preferred batch sizes, bucket edges, max queue delay"),
        QT_TR_NOOP("Requests, arrivals (closed-loop clients or Poisson rate) and seed")};
    if (section < 0 || section >= ColumnCount) return {};
    if (role == Qt::DisplayRole) return tr(titles[section]);
    if (role == Qt::ToolTipRole) return tr(tips[section]);
    return {};
}

}  // namespace sparq::ui
