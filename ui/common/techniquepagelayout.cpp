#include "common/techniquepagelayout.h"

#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>

namespace sparq::ui {

QSplitter* layOutTechniquePage(QWidget* page, const QString& title, QWidget* controls, QWidget* live, QWidget* picker,
                               QWidget* results) {
    auto* layout = new QVBoxLayout(page);
    auto* heading = new QLabel(title, page);
    heading->setWordWrap(true);
    layout->addWidget(heading);

    auto* top = new QSplitter(Qt::Horizontal);
    top->addWidget(controls);
    top->addWidget(live);
    top->setStretchFactor(0, 2);
    top->setStretchFactor(1, 3);

    auto* bottom = new QWidget;
    auto* bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(picker);
    bottomLayout->addWidget(results, 1);

    auto* split = new QSplitter(Qt::Vertical, page);
    split->addWidget(top);
    split->addWidget(bottom);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);
    return split;
}

}  // namespace sparq::ui
