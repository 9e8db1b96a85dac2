#pragma once
// What the technique-page tests (Quantize, Distill) share: the Fashion-MNIST folder their
// end-to-end tests need, a small float model trained through the workbench, and a
// screenshot of the main window saved where an environment variable says.
#include <gtest/gtest.h>

#include <QByteArray>
#include <QFileInfo>
#include <QPixmap>
#include <QSignalSpy>
#include <QTest>
#include <QWidget>

#include "jobbridge.h"
#include "sparq/engine/specs.h"
#include "workbench.h"

namespace sparq::test {

inline const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

inline bool haveFashionMnist() { return QFileInfo(kFashionMnistDir).isDir(); }

/// Trains a 784-32-10 MLP for one epoch on 2048 images through the workbench and returns its
/// result (a default one, status Queued, when it did not end within two minutes).
inline engine::TrainResult trainSmallMlp(ui::Workbench& wb) {
    engine::TrainSpec small = engine::load_preset("mlp-fashion");
    engine::set_field(small, "hidden", "32");
    small.epochs = 1;
    small.limit_train = 2048;
    small.limit_test = 256;
    small.threads = 1;
    QSignalSpy finished(wb.bridge(), &ui::JobBridge::finished);
    wb.start(small);
    if (!QTest::qWaitFor([&] { return finished.count() > 0; }, 120000)) return {};
    return finished.at(0).at(0).value<engine::TrainResult>();
}

/// Grabs `window` and, when the environment variable `pathVariable` names a file, saves it there.
inline void saveScreenshot(QWidget& window, const char* pathVariable) {
    QTest::qWait(100);
    const QPixmap shot = window.grab();
    EXPECT_FALSE(shot.isNull());
    const QByteArray path = qgetenv(pathVariable);
    if (!path.isEmpty()) {
        EXPECT_TRUE(shot.save(QString::fromLocal8Bit(path))) << path.constData();
    }
}

}  // namespace sparq::test

#define SKIP_WITHOUT_FASHION_MNIST()                                                                        \
    if (!::sparq::test::haveFashionMnist())                                                                 \
    GTEST_SKIP() << ::sparq::test::kFashionMnistDir << " is missing; run installer/setup-deps.sh to install " \
                                                     "Fashion-MNIST"
