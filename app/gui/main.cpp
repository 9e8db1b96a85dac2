// sparq: the Qt workbench. Without a display it runs the default job headless through
// sparq-cli (installed next to this binary) instead of failing.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <QApplication>
#include <QMessageBox>
#include <QPushButton>

#include "launch/launcherpage.h"
#include "core/mainwindow.h"
#include "sparq/engine/openmp.h"
#include "sparq/profiler/history_edit.h"
#include "sparq/profiler/run_store.h"
#include "core/workbench.h"

namespace {

struct Args {
    std::string db;
    std::string data;
    std::string preset = "mlp-fashion";
    std::string workspace;
};

void usage(const char* argv0) {
    std::printf(
        "Usage: %s [--db PATH] [--data DIR] [--preset NAME] [--workspace DIR]\n"
        "  --db PATH        history database (default %s)\n"
        "  --data DIR       folder of Fashion-MNIST IDX files\n"
        "  --preset NAME    preset shown first, or run headless without a display (default mlp-fashion)\n"
        "  --workspace DIR  where checkpoints go (default %s)\n",
        argv0, sparq::profiler::default_db_path().c_str(),
        sparq::profiler::default_workspace_root().c_str());
}

// Parses our options; Qt's own (e.g. -platform) are left for QApplication. Returns false
// (after printing why) on a malformed command line.
bool parseArgs(int argc, char** argv, Args& args, bool& help) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](const char* name, std::string& out) {
            const std::string flag = std::string("--") + name;
            if (a == flag) {
                if (i + 1 >= argc) {
                    std::fprintf(stderr, "sparq: %s needs a value\n", flag.c_str());
                    return -1;
                }
                out = argv[++i];
                return 1;
            }
            if (a.rfind(flag + "=", 0) == 0) {
                out = a.substr(flag.size() + 1);
                return 1;
            }
            return 0;
        };
        if (a == "-h" || a == "--help") {
            help = true;
            continue;
        }
        int r = 0;
        for (auto [name, out] : {std::pair<const char*, std::string*>{"db", &args.db},
                                 {"data", &args.data},
                                 {"preset", &args.preset},
                                 {"workspace", &args.workspace}}) {
            r = value(name, *out);
            if (r != 0) break;
        }
        if (r < 0) return false;
    }
    return true;
}

bool haveDisplay() {
    auto set = [](const char* name) {
        const char* v = std::getenv(name);
        return v && *v;
    };
    return set("DISPLAY") || set("WAYLAND_DISPLAY") || set("QT_QPA_PLATFORM");
}

std::string selfDir() {
    std::vector<char> buf(4096);
    const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
    if (n <= 0) return ".";
    std::string path(buf.data(), std::size_t(n));
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

int runHeadless(const Args& args) {
    std::printf("sparq: no display found; running the default job headless with sparq-cli\n");
    std::fflush(stdout);
    const std::string cli = selfDir() + "/sparq-cli";
    if (access(cli.c_str(), X_OK) != 0) {
        std::fprintf(stderr, "sparq: %s not found; reinstall Sparq or run sparq-cli yourself\n",
                     cli.c_str());
        return 1;
    }
    std::vector<std::string> argvs{cli, "train", "--preset", args.preset, "--db", args.db};
    if (!args.data.empty()) {
        argvs.push_back("--data");
        argvs.push_back(args.data);
    }
    std::vector<char*> cargv;
    for (auto& s : argvs) cargv.push_back(s.data());
    cargv.push_back(nullptr);

    const pid_t pid = fork();
    if (pid < 0) {
        std::fprintf(stderr, "sparq: cannot start %s: %s\n", cli.c_str(), std::strerror(errno));
        return 1;
    }
    if (pid == 0) {
        execv(cli.c_str(), cargv.data());
        std::fprintf(stderr, "sparq: cannot run %s: %s\n", cli.c_str(), std::strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::printf("sparq: results are in %s\n"
                "sparq: list them with: %s history list --db %s\n",
                args.db.c_str(), cli.c_str(), args.db.c_str());
    return code;
}

// A damaged or foreign history file is named and offered to be moved aside (renamed, never
// deleted), after which a new history starts at the same path; any other problem is shown as
// it is. Returns false when the user quits instead.
bool openWorkbench(const Args& args, std::unique_ptr<sparq::ui::Workbench>& workbench) {
    using Kind = sparq::profiler::StoreError::Kind;
    for (;;) {
        try {
            workbench = std::make_unique<sparq::ui::Workbench>(
                sparq::ui::Workbench::Options{args.db, args.data, args.workspace});
            return true;
        } catch (const sparq::profiler::StoreError& e) {
            if (e.kind() != Kind::Damaged && e.kind() != Kind::Foreign) {
                QMessageBox::critical(nullptr, QStringLiteral("Sparq"),
                                      QStringLiteral("Cannot open the run history.\n\n%1").arg(QString::fromUtf8(e.what())));
                return false;
            }
            QMessageBox box(QMessageBox::Critical, QStringLiteral("Sparq"),
                            QStringLiteral("The history database %1 is %2.")
                                .arg(QString::fromStdString(args.db),
                                     e.kind() == Kind::Foreign ? QStringLiteral("not a Sparq history")
                                                               : QStringLiteral("damaged")));
            box.setInformativeText(QStringLiteral("%1\n\nSparq will not write to it. Moving it aside renames it "
                                                  "(nothing is deleted) and starts a new, empty history.")
                                       .arg(QString::fromUtf8(e.what())));
            QPushButton* move = box.addButton(QStringLiteral("Move aside and start a new history"), QMessageBox::AcceptRole);
            box.addButton(QStringLiteral("Quit"), QMessageBox::RejectRole);
            box.setDefaultButton(move);
            box.exec();
            if (box.clickedButton() != move) return false;
            try {
                const std::string moved = sparq::profiler::move_aside(args.db);
                std::fprintf(stderr, "sparq: moved %s to %s; starting a new history\n", args.db.c_str(), moved.c_str());
            } catch (const std::exception& moveError) {
                QMessageBox::critical(nullptr, QStringLiteral("Sparq"),
                                      QStringLiteral("Could not move %1 aside.\n\n%2")
                                          .arg(QString::fromStdString(args.db), QString::fromUtf8(moveError.what())));
                return false;
            }
        } catch (const std::exception& e) {
            QMessageBox::critical(nullptr, QStringLiteral("Sparq"),
                                  QStringLiteral("Cannot open the run history.\n\n%1").arg(QString::fromUtf8(e.what())));
            return false;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Jobs run beside the user's other work: OpenMP's idle threads yield (engine/openmp.h).
    sparq::engine::use_yielding_openmp(argv);
    Args args;
    bool help = false;
    if (!parseArgs(argc, argv, args, help)) return 2;
    if (help) {
        usage(argv[0]);
        return 0;
    }
    if (args.db.empty()) args.db = sparq::profiler::default_db_path();
    if (!haveDisplay()) return runHeadless(args);

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("sparq"));
    QApplication::setApplicationName(QStringLiteral("sparq"));
    QApplication::setApplicationDisplayName(QStringLiteral("Sparq"));

    std::unique_ptr<sparq::ui::Workbench> workbench;
    if (!openWorkbench(args, workbench)) return 1;

    sparq::ui::MainWindow window(workbench.get());
    if (!args.preset.empty() && !window.launcherPage()->selectPreset(QString::fromStdString(args.preset)))
        std::fprintf(stderr, "sparq: no preset named '%s'; showing the first one\n", args.preset.c_str());
    window.show();
    const int code = app.exec();
    return code;
}
