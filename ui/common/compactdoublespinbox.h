#pragma once
// CompactDoubleSpinBox: a QDoubleSpinBox that keeps enough decimals for small values (a
// learning rate of 1e-7) but shows no trailing zeros ("0.001", not "0.001000000").
#include <QDoubleSpinBox>

namespace sparq::ui {

class CompactDoubleSpinBox : public QDoubleSpinBox {
    Q_OBJECT
public:
    using QDoubleSpinBox::QDoubleSpinBox;

protected:
    QString textFromValue(double value) const override;
};

}  // namespace sparq::ui
