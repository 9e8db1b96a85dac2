#include "charts/chartexport.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <qcustomplot.h>

#ifdef SPARQ_HAVE_QT_SVG
#include <QSvgGenerator>
#endif

namespace sparq::ui {
namespace {

QSize exportSize(const QCustomPlot* plot) {
    if (plot->isVisible() && plot->width() >= 200 && plot->height() >= 150) return plot->size();
    return {1200, 800};
}

}  // namespace

bool canSaveSvg() {
#ifdef SPARQ_HAVE_QT_SVG
    return true;
#else
    return false;
#endif
}

QString chartFileFilter() {
    QString filter = QObject::tr("PNG image (*.png)");
    if (canSaveSvg()) filter += QObject::tr(";;SVG drawing (*.svg)");
    filter += QObject::tr(";;PDF document (*.pdf)");
    return filter;
}

QString saveChart(QCustomPlot* plot, const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    const QSize size = exportSize(plot);
    bool ok = false;
    if (suffix == QLatin1String("png")) {
        ok = plot->savePng(path, size.width(), size.height());
    } else if (suffix == QLatin1String("pdf")) {
        ok = plot->savePdf(path, size.width(), size.height());
    } else if (suffix == QLatin1String("svg")) {
#ifdef SPARQ_HAVE_QT_SVG
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(QStringLiteral("Sparq chart"));
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            plot->toPainter(&painter, size.width(), size.height());
            ok = painter.end();
        }
#else
        return QObject::tr("This build of Sparq cannot write SVG (built without Qt SVG); save as PNG or PDF.");
#endif
    } else {
        return QObject::tr("Unknown chart format \"%1\": use .png, .svg or .pdf.").arg(suffix);
    }
    if (!ok || !QFileInfo(path).isFile() || QFileInfo(path).size() == 0)
        return QObject::tr("Could not write %1; check that the folder exists and is writable.").arg(path);
    return {};
}

QString saveChartAs(QCustomPlot* plot, QWidget* parent, const QString& suggestedName) {
    QString selected;
    QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Save chart"), suggestedName, chartFileFilter(),
                                                &selected);
    if (path.isEmpty()) return {};
    if (QFileInfo(path).suffix().isEmpty()) {
        // The filter the user picked says the format: "PNG image (*.png)" -> ".png".
        const qsizetype star = selected.indexOf(QLatin1String("*."));
        path += star >= 0 ? selected.mid(star + 1, selected.indexOf(QLatin1Char(')'), star) - star - 1)
                          : QStringLiteral(".png");
    }
    const QString error = saveChart(plot, path);
    if (!error.isEmpty()) {
        QMessageBox::warning(parent, QObject::tr("Sparq"), error);
        return {};
    }
    return path;
}

}  // namespace sparq::ui
