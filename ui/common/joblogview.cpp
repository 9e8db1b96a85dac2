#include "common/joblogview.h"

#include <QStyle>
#include <QTime>

namespace sparq::ui {

JobLogView::JobLogView(QWidget* parent) : QListWidget(parent) {
    setWordWrap(true);
    setMinimumHeight(60);
}

void JobLogView::append(const QString& text, bool warning) {
    auto* item = new QListWidgetItem(QTime::currentTime().toString(QStringLiteral("HH:mm:ss ")) + text);
    if (warning) {
        item->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
        item->setForeground(QColor(176, 112, 0));
    }
    item->setToolTip(text);
    addItem(item);
    while (count() > kMaxLines) delete takeItem(0);
    scrollToBottom();
}

bool JobLogView::appendEngineLog(const QString& level, const QString& message) {
    const bool warning = level == QLatin1String("warning") || level == QLatin1String("warn");
    append(message, warning || level == QLatin1String("error"));
    return warning;
}

}  // namespace sparq::ui
