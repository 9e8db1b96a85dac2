#pragma once
// The Qt headers that most of ui/ and the UI tests use, precompiled once for every Qt target
// (cmake/SparqBuildSpeed.cmake). QCustomPlot's header alone pulls in most of Qt Widgets and
// costs about 7 s a file without this. Files still include what they use themselves.
// Never a LibTorch header here: no translation unit has both (DESIGN.md).
#include <qcustomplot.h>

#include <QAbstractTableModel>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QObject>
#include <QPushButton>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QVBoxLayout>
#include <QWidget>

#include <memory>
#include <string>
#include <vector>
