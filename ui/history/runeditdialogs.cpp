#include "history/runeditdialogs.h"

#include <set>
#include <string>

#include <QCoreApplication>
#include <QInputDialog>
#include <QMessageBox>

namespace sparq::ui {
namespace {

QString tr(const char* text) { return QCoreApplication::translate("sparq::ui::RunEditDialogs", text); }

}  // namespace

QStringList sharedTags(const std::vector<const profiler::RunRecord*>& runs) {
    std::set<std::string> shared;
    bool first = true;
    for (const profiler::RunRecord* r : runs) {
        const std::set<std::string> tags(r->tags.begin(), r->tags.end());
        if (first)
            shared = tags;
        else
            for (auto it = shared.begin(); it != shared.end();) it = tags.count(*it) ? std::next(it) : shared.erase(it);
        first = false;
    }
    QStringList out;
    for (const std::string& t : shared) out << QString::fromStdString(t);
    return out;
}

TagEdit tagEditFrom(const QStringList& before, const QString& text) {
    QStringList after;
    for (const QString& t : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!t.trimmed().isEmpty() && !after.contains(t.trimmed())) after << t.trimmed();
    TagEdit edit;
    for (const QString& t : after)
        if (!before.contains(t)) edit.add << t;
    for (const QString& t : before)
        if (!after.contains(t)) edit.remove << t;
    return edit;
}

bool askTagEdit(QWidget* parent, const std::vector<const profiler::RunRecord*>& runs, TagEdit& edit) {
    if (runs.empty()) return false;
    const QStringList before = sharedTags(runs);
    const QString prompt =
        runs.size() == 1
            ? tr("Tags of run %1, separated by commas:").arg(runs.front()->id)
            : tr("Tags of the %1 selected runs, separated by commas. Removing a tag here removes it from every "
                 "one of them; tags only some of them carry are not listed and stay.")
                  .arg(runs.size());
    bool ok = false;
    const QString text = QInputDialog::getText(parent, tr("Tags"), prompt, QLineEdit::Normal,
                                               before.join(QStringLiteral(", ")), &ok);
    if (!ok) return false;
    edit = tagEditFrom(before, text);
    return true;
}

bool askNotes(QWidget* parent, const profiler::RunRecord& run, QString& notes) {
    bool ok = false;
    notes = QInputDialog::getMultiLineText(parent, tr("Notes"),
                                           tr("Notes on run %1 (%2):").arg(run.id).arg(QString::fromStdString(run.name)),
                                           QString::fromStdString(run.notes), &ok);
    return ok;
}

bool askName(QWidget* parent, const profiler::RunRecord& run, QString& name) {
    bool ok = false;
    name = QInputDialog::getText(parent, tr("Rename run"), tr("New name of run %1:").arg(run.id), QLineEdit::Normal,
                                 QString::fromStdString(run.name), &ok)
               .trimmed();
    if (!ok) return false;
    if (name.isEmpty()) {
        QMessageBox::information(parent, tr("Sparq"), tr("A run needs a name; run %1 keeps its own.").arg(run.id));
        return false;
    }
    return true;
}

}  // namespace sparq::ui
