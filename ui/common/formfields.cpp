#include "common/formfields.h"

#include <algorithm>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>

#include "common/compactdoublespinbox.h"

namespace sparq::ui {

QDoubleSpinBox* makeDoubleSpin(QWidget* parent, const QString& name, double low, double high, int decimals,
                               double step, double value, const QString& toolTip, bool compact) {
    QDoubleSpinBox* spin = compact ? new CompactDoubleSpinBox(parent) : new QDoubleSpinBox(parent);
    spin->setObjectName(name);
    spin->setRange(low, high);
    spin->setDecimals(decimals);
    spin->setSingleStep(step);
    spin->setValue(value);
    spin->setToolTip(toolTip);
    return spin;
}

QSpinBox* makeSpin(QWidget* parent, const QString& name, int low, int high, int value, const QString& toolTip) {
    auto* spin = new QSpinBox(parent);
    spin->setObjectName(name);
    spin->setRange(low, high);
    spin->setValue(value);
    spin->setToolTip(toolTip);
    return spin;
}

QComboBox* makeCombo(QWidget* parent, const QString& name, const QStringList& items, const QString& current,
                     const QString& toolTip) {
    auto* combo = new QComboBox(parent);
    combo->setObjectName(name);
    combo->addItems(items);
    combo->setCurrentIndex(std::max(0, combo->findText(current)));
    combo->setToolTip(toolTip);
    return combo;
}

}  // namespace sparq::ui
