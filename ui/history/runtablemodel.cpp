#include "history/runtablemodel.h"

#include <algorithm>
#include <cmath>

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QLocale>
#include <QStringList>

namespace sparq::ui {

RunTableModel::RunTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunTableModel::setRuns(std::vector<profiler::RunRecord> runs) {
    const bool sameRows = !runs.empty() && runs.size() == runs_.size() &&
                          std::equal(runs.begin(), runs.end(), runs_.begin(),
                                     [](const profiler::RunRecord& a, const profiler::RunRecord& b) { return a.id == b.id; });
    if (sameRows) {
        runs_ = std::move(runs);  // same ids in the same rows: rows_ stays right
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    runs_ = std::move(runs);
    rows_.clear();
    rows_.reserve(runs_.size());
    for (std::size_t i = 0; i < runs_.size(); ++i) rows_.emplace(runs_[i].id, int(i));
    endResetModel();
}

const profiler::RunRecord* RunTableModel::runAt(int row) const {
    if (row < 0 || row >= int(runs_.size())) return nullptr;
    return &runs_[std::size_t(row)];
}

int RunTableModel::rowOf(profiler::RunId id) const {
    const auto it = rows_.find(id);
    return it == rows_.end() ? -1 : it->second;
}

QString RunTableModel::formatAccuracy(double accuracy) {
    const double percent = accuracy <= 1.0 ? accuracy * 100.0 : accuracy;
    return QStringLiteral("%1 %").arg(percent, 0, 'f', 2);
}

QString RunTableModel::formatDuration(double seconds) {
    if (seconds < 60.0) return QStringLiteral("%1 s").arg(seconds, 0, 'f', 1);
    const auto total = static_cast<long long>(std::llround(seconds));
    if (total < 3600)
        return QStringLiteral("%1 min %2 s").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 h %2 min")
        .arg(total / 3600)
        .arg((total % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QString RunTableModel::countRuns(int n) {
    return n == 1 ? tr("1 run") : tr("%1 runs").arg(QLocale().toString(n));
}

QString RunTableModel::shortNotes(const std::string& notes) {
    constexpr int kMax = 60;
    QString text = QString::fromStdString(notes).trimmed();
    const qsizetype newline = text.indexOf(QLatin1Char('\n'));
    const bool more = newline >= 0;
    if (more) text = text.left(newline).trimmed();
    if (text.size() > kMax) return text.left(kMax - 1) + QChar(0x2026);
    return more ? text + QStringLiteral(" ") + QChar(0x2026) : text;
}

int RunTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(runs_.size());
}

int RunTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

namespace {

QString joinTags(const std::vector<std::string>& tags) {
    QStringList out;
    out.reserve(qsizetype(tags.size()));
    for (const std::string& t : tags) out << QString::fromStdString(t);
    return out.join(QStringLiteral(", "));
}

QDateTime localTime(std::int64_t wall_ns) {
    return QDateTime::fromMSecsSinceEpoch(wall_ns / 1000000).toLocalTime();
}

bool isRunning(const profiler::RunRecord& r) {
    return r.status == "running" || r.status == "queued";
}

}  // namespace

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const profiler::RunRecord& r = runs_[std::size_t(index.row())];
    const int column = index.column();

    if (role == RunIdRole) return QVariant::fromValue<qint64>(r.id);

    if (role == Qt::DisplayRole) {
        switch (column) {
        case Id: return QVariant::fromValue<qint64>(r.id);
        case Name: return QString::fromStdString(r.name);
        case Kind: return QString::fromStdString(r.kind);
        case Preset: return QString::fromStdString(r.preset);
        case Status: return r.archived ? tr("%1 (archived)").arg(QString::fromStdString(r.status))
                                       : QString::fromStdString(r.status);
        case TestAccuracy:
            return r.test_accuracy ? formatAccuracy(*r.test_accuracy) : QString();
        case Tags: return joinTags(r.tags);
        case Notes: return shortNotes(r.notes);
        case Duration:
            if (r.started_ns == 0) return QString();
            return formatDuration(r.duration_s());
        case Started:
            return r.started_ns ? localTime(r.started_ns).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                                : QString();
        default: return {};
        }
    }

    if (role == SortRole) {
        switch (column) {
        case Id: return QVariant::fromValue<qint64>(r.id);
        case Name: return QString::fromStdString(r.name);
        case Kind: return QString::fromStdString(r.kind);
        case Preset: return QString::fromStdString(r.preset);
        case Status: return QString::fromStdString(r.status);
        case TestAccuracy: return r.test_accuracy ? *r.test_accuracy : -1.0;
        case Duration: return r.duration_s();
        case Started: return QVariant::fromValue<qint64>(r.started_ns);
        case Tags: return joinTags(r.tags);
        case Notes: return QString::fromStdString(r.notes);
        default: return {};
        }
    }

    if (role == Qt::TextAlignmentRole) {
        if (column == Id || column == TestAccuracy || column == Duration)
            return QVariant::fromValue<int>(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }

    if (role == Qt::ForegroundRole && r.archived) return QBrush(QColor(128, 128, 128));

    if (role == Qt::ForegroundRole && column == Status) {
        if (r.status == "failed") return QBrush(QColor(192, 32, 32));
        if (r.status == "completed") return QBrush(QColor(24, 128, 56));
        if (isRunning(r)) return QBrush(QColor(32, 96, 192));
        if (r.status == "cancelled" || r.status == "interrupted") return QBrush(QColor(150, 110, 20));
        return {};
    }

    if (role == Qt::ToolTipRole) {
        QString tip = tr("Run %1 — %2\nkind: %3, host: %4")
                          .arg(r.id)
                          .arg(QString::fromStdString(r.name), QString::fromStdString(r.kind),
                               QString::fromStdString(r.host));
        if (r.created_ns)
            tip += tr("\ncreated: %1").arg(localTime(r.created_ns).toString(Qt::ISODate));
        if (r.ended_ns) tip += tr("\nended: %1").arg(localTime(r.ended_ns).toString(Qt::ISODate));
        if (!r.tags.empty()) tip += tr("\ntags: %1").arg(joinTags(r.tags));
        if (!r.notes.empty()) tip += tr("\nnotes: %1").arg(QString::fromStdString(r.notes));
        if (r.archived) tip += tr("\narchived (hidden unless \"Show archived\" is on)");
        tip += tr("\nDouble-click to open its charts.");
        return tip;
    }

    return {};
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Id: return tr("ID");
    case Name: return tr("Name");
    case Kind: return tr("Kind");
    case Preset: return tr("Preset");
    case Status: return tr("Status");
    case TestAccuracy: return tr("Test accuracy");
    case Duration: return tr("Duration");
    case Started: return tr("Started");
    case Tags: return tr("Tags");
    case Notes: return tr("Notes");
    default: return {};
    }
}

}  // namespace sparq::ui
