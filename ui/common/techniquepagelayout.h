#pragma once
// The layout of a technique page (Quantize, Distill): a title, then the job's controls beside
// its live chart, then the row that picks a past run above that run's results. Split both ways
// so the user can give room to what matters at the moment.
#include <QString>

class QSplitter;
class QWidget;

namespace sparq::ui {

/// Lays `page` out; `title` is rich text. The page takes ownership of the parts. Returns the
/// vertical splitter (top: controls and live chart; bottom: picker and results), split evenly.
QSplitter* layOutTechniquePage(QWidget* page, const QString& title, QWidget* controls, QWidget* live, QWidget* picker,
                               QWidget* results);

}  // namespace sparq::ui
