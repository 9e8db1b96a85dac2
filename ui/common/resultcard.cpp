#include "common/resultcard.h"

#include <cmath>

#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace sparq::ui {
namespace {

QLabel* makeLabel(QWidget* parent, Qt::Alignment align, bool bold = false) {
    auto* label = new QLabel(parent);
    label->setAlignment(align | Qt::AlignVCenter);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    if (bold) {
        QFont f = label->font();
        f.setBold(true);
        label->setFont(f);
    }
    return label;
}

}  // namespace

ResultCard::ResultCard(const QString& title, const QStringList& rowHeads, const QStringList& columnHeads,
                       const QString& namePrefix, QWidget* parent)
    : QFrame(parent) {
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    auto* layout = new QVBoxLayout(this);

    layout->addWidget(new QLabel(QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped()), this));
    headline_ = new QLabel(this);
    headline_->setObjectName(namePrefix + QStringLiteral("Headline"));
    headline_->setWordWrap(true);
    layout->addWidget(headline_);

    auto* grid = new QGridLayout;
    grid->setHorizontalSpacing(18);
    grid->setVerticalSpacing(6);
    for (int c = 0; c < columnHeads.size(); ++c) {
        columnHeads_.push_back(makeLabel(this, Qt::AlignRight, true));
        columnHeads_.back()->setText(columnHeads[c]);
        grid->addWidget(columnHeads_.back(), 0, c + 1);
    }
    for (int r = 0; r < rowHeads.size(); ++r) {
        auto* head = makeLabel(this, Qt::AlignLeft, true);
        head->setText(rowHeads[r]);
        grid->addWidget(head, r + 1, 0);
        cells_.emplace_back();
        for (int c = 0; c < columnHeads.size(); ++c) {
            QLabel* cell = makeLabel(this, Qt::AlignRight);
            cell->setObjectName(namePrefix + QStringLiteral("Cell_%1_%2").arg(r).arg(c));
            grid->addWidget(cell, r + 1, c + 1);
            cells_.back().push_back(cell);
        }
    }
    grid->setColumnStretch(0, 1);
    layout->addLayout(grid);

    footer_ = new QLabel(this);
    footer_->setObjectName(namePrefix + QStringLiteral("Footer"));
    footer_->setWordWrap(true);
    footer_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    footer_->setStyleSheet(QStringLiteral("color: palette(dark);"));
    layout->addWidget(footer_);
    layout->addStretch(1);
}

QString ResultCard::formatPercent(double fraction) { return QStringLiteral("%1 %").arg(fraction * 100.0, 0, 'f', 2); }

QString ResultCard::formatPoints(double difference) {
    return tr("%1%2 points")
        .arg(difference < 0 ? QStringLiteral("−") : QStringLiteral("+"))
        .arg(std::abs(difference) * 100.0, 0, 'f', 2);
}

bool ResultCard::hasCompletedResult(const QJsonObject& summary, const char* key) {
    return summary.value(QStringLiteral("status")).toString() == QLatin1String("completed") &&
           summary.contains(QLatin1String(key));
}

QString ResultCard::noResultMessage(const QJsonObject& summary, const QString& cancelledText) {
    const QString status = summary.value(QStringLiteral("status")).toString();
    const qint64 run = summary.value(QStringLiteral("run_id")).toInteger();
    const QString error = summary.value(QStringLiteral("error")).toString();
    if (status == QLatin1String("cancelled")) return cancelledText.arg(run);
    if (status == QLatin1String("failed") || !error.isEmpty())
        return tr("Run %1 failed: %2").arg(run).arg(error.isEmpty() ? tr("no reason recorded") : error);
    return tr("This run has no result (yet).");
}

void ResultCard::emphasizeColumn(int column) {
    for (auto& row : cells_) {
        QFont f = row[std::size_t(column)]->font();
        f.setBold(true);
        row[std::size_t(column)]->setFont(f);
    }
}

void ResultCard::blank(const QString& message) {
    for (auto& row : cells_) {
        for (QLabel* cell : row) {
            cell->setText(QStringLiteral("—"));
            cell->setToolTip(QString());
            cell->setPalette(palette());
        }
    }
    headline_->setText(message);
    footer_->clear();
}

void ResultCard::setColumnVisible(int column, bool visible) {
    columnHeads_[std::size_t(column)]->setVisible(visible);
    for (auto& row : cells_) row[std::size_t(column)]->setVisible(visible);
}

void ResultCard::markMet(QLabel* label, bool met) {
    QPalette p = palette();
    if (met) p.setColor(QPalette::WindowText, targetMetColor());
    label->setPalette(p);
}

}  // namespace sparq::ui
