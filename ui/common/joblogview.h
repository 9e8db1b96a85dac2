#pragma once
// JobLogView: the running job's messages on a technique page, one timestamped line each,
// warnings and errors with an icon and in the warning colour, the oldest lines dropped past
// a cap.
#include <QListWidget>
#include <QString>

namespace sparq::ui {

class JobLogView : public QListWidget {
    Q_OBJECT
public:
    static constexpr int kMaxLines = 500;

    explicit JobLogView(QWidget* parent = nullptr);

    /// Appends one line and scrolls to it.
    void append(const QString& text, bool warning = false);
    /// Appends an engine message (JobSink::on_log). Returns true when its level is a warning.
    bool appendEngineLog(const QString& level, const QString& message);
};

}  // namespace sparq::ui
