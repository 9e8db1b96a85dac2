#include "history/configdiffmodel.h"

#include <algorithm>
#include <exception>

#include <QBrush>
#include <QColor>
#include <QFont>

namespace sparq::ui {

ConfigDiffModel::ConfigDiffModel(QObject* parent) : QAbstractTableModel(parent) {}

void ConfigDiffModel::setRuns(const std::vector<profiler::RunRecord>& runs) {
    const std::size_t n = std::min(runs.size(), std::size_t(kMaxRuns));
    std::vector<profiler::RunId> ids;
    std::vector<QString> labels;
    std::vector<std::string> configs;
    for (std::size_t i = 0; i < n; ++i) {
        ids.push_back(runs[i].id);
        labels.push_back(tr("Run %1\n%2").arg(runs[i].id).arg(QString::fromStdString(runs[i].name)));
        configs.push_back(runs[i].config_json);
    }
    if (ids == ids_ && configs == configs_ && labels == labels_) return;
    ids_ = std::move(ids);
    labels_ = std::move(labels);
    configs_ = std::move(configs);
    rebuild();
}

void ConfigDiffModel::setShowAll(bool all) {
    if (all == showAll_) return;
    showAll_ = all;
    rebuild();
}

void ConfigDiffModel::rebuild() {
    beginResetModel();
    rows_.clear();
    rowDiffers_.clear();
    differing_ = 0;
    if (!ids_.empty()) {
        std::vector<std::string> texts;
        for (const std::string& c : configs_) {
            // A configuration that is not a JSON object compares as an empty one.
            std::string text = c.empty() ? std::string("{}") : c;
            try {
                profiler::flatten_json(text);
            } catch (const std::exception&) {
                text = "{}";
            }
            texts.push_back(std::move(text));
        }
        rows_ = profiler::diff_configs(texts, showAll_);
        for (const profiler::DiffRow& row : rows_) {
            const bool differs = std::any_of(row.values.begin(), row.values.end(),
                                             [&](const auto& v) { return v != row.values.front(); });
            rowDiffers_.push_back(differs);
            differing_ += differs ? 1 : 0;
        }
    }
    endResetModel();
}

std::vector<std::string> ConfigDiffModel::keys() const {
    std::vector<std::string> out;
    for (const profiler::DiffRow& row : rows_) out.push_back(row.key);
    return out;
}

int ConfigDiffModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

int ConfigDiffModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() || ids_.empty() ? 0 : int(ids_.size()) + 1;
}

QVariant ConfigDiffModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const profiler::DiffRow& row = rows_[std::size_t(index.row())];
    const bool differs = rowDiffers_[std::size_t(index.row())];
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        if (index.column() == 0) return QString::fromStdString(row.key);
        const auto& v = row.values[std::size_t(index.column() - 1)];
        return v ? QString::fromStdString(*v) : (role == Qt::DisplayRole ? tr("—") : tr("not set in this run"));
    }
    if (role == Qt::FontRole && differs && showAll_) {
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    if (role == Qt::ForegroundRole && index.column() > 0 && !row.values[std::size_t(index.column() - 1)])
        return QBrush(QColor(128, 128, 128));
    return {};
}

QVariant ConfigDiffModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    if (section == 0) return tr("Key");
    if (section < 0 || section > int(ids_.size())) return {};
    return labels_[std::size_t(section - 1)];
}

}  // namespace sparq::ui
