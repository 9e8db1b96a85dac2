#pragma once
// OpRangeModel: the top operators of a time range (name, calls, self time, share of the
// range's self time), most self time first. Display text is formatted; Qt::UserRole holds
// the raw number (or name) for sorting and tests.
#include <vector>

#include <QAbstractTableModel>

#include "profile/profiletimeline.h"

namespace sparq::ui {

class OpRangeModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Calls, SelfMs, Share, ColumnCount };

    explicit OpRangeModel(QObject* parent = nullptr);

    void setRows(std::vector<OpShare> rows);
    const std::vector<OpShare>& rows() const { return rows_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<OpShare> rows_;
};

}  // namespace sparq::ui
