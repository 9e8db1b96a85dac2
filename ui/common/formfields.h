#pragma once
// The fields of a job form (DistillForm, ContinualForm), made in one call: object name,
// range or choices, value and tooltip.
#include <QString>
#include <QStringList>

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;
class QWidget;

namespace sparq::ui {

/// Images in Fashion-MNIST's training and test splits: the largest counts a form may ask for.
inline constexpr int kTrainImages = 60000;
inline constexpr int kTestImages = 10000;

QSpinBox* makeSpin(QWidget* parent, const QString& name, int low, int high, int value, const QString& toolTip);
/// `compact`: a CompactDoubleSpinBox, which shows no trailing zeros (for a value that spans
/// orders of magnitude, given many decimals).
QDoubleSpinBox* makeDoubleSpin(QWidget* parent, const QString& name, double low, double high, int decimals,
                               double step, double value, const QString& toolTip, bool compact = false);
/// A combo of `items` with `current` chosen (the first item when it is not one of them).
QComboBox* makeCombo(QWidget* parent, const QString& name, const QStringList& items, const QString& current,
                     const QString& toolTip);

}  // namespace sparq::ui
