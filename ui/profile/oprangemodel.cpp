#include "profile/oprangemodel.h"

#include <QLocale>

namespace sparq::ui {

OpRangeModel::OpRangeModel(QObject* parent) : QAbstractTableModel(parent) {}

void OpRangeModel::setRows(std::vector<OpShare> rows) {
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
}

int OpRangeModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

int OpRangeModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant OpRangeModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(rows_.size()) || index.column() >= ColumnCount) return {};
    const OpShare& r = rows_[std::size_t(index.row())];
    const auto column = Column(index.column());
    switch (role) {
    case Qt::DisplayRole: {
        const QLocale locale;
        switch (column) {
        case Name: return QString::fromStdString(r.name);
        case Calls: return locale.toString(qint64(r.calls));
        case SelfMs: return locale.toString(r.selfMs, 'f', r.selfMs < 10 ? 3 : 1);
        case Share: return locale.toString(r.share * 100.0, 'f', 1) + QStringLiteral(" %");
        case ColumnCount: break;
        }
        return {};
    }
    case Qt::UserRole:
        switch (column) {
        case Name: return QString::fromStdString(r.name);
        case Calls: return r.calls;
        case SelfMs: return r.selfMs;
        case Share: return r.share;
        case ColumnCount: break;
        }
        return {};
    case Qt::ToolTipRole:
        if (column == Name) return QString::fromStdString(r.name);
        return {};
    case Qt::TextAlignmentRole:
        return column == Name ? QVariant(int(Qt::AlignLeft | Qt::AlignVCenter)) : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    default: return {};
    }
}

QVariant OpRangeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (Column(section)) {
    case Name: return tr("Operator");
    case Calls: return tr("Calls");
    case SelfMs: return tr("Self ms");
    case Share: return tr("Share");
    case ColumnCount: break;
    }
    return {};
}

}  // namespace sparq::ui
