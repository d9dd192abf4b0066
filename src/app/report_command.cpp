#include "app/report_command.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "comm/agree.hpp"
#include "core/error.hpp"
#include "core/utc_time.hpp"
#include "report/page_snapshot.hpp"
#include "report/report_page.hpp"
#include "report/run_history.hpp"

namespace manet {

namespace {

namespace fs = std::filesystem;

struct ReportArgs {
  std::string run, out, png;
};

// Written beside its final name and renamed: a browser that reloads the page while the
// report is rewritten sees the old page or the new, never half of one.
void write_atomically(const std::string& path, const std::string& text) {
  const std::string part = path + ".part";
  {
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw Error("cannot write " + part + ": " + std::strerror(errno), ErrorKind::usage);
  }
  std::error_code ec;
  fs::rename(part, path, ec);
  if (ec) throw Error("cannot write " + path + ": " + ec.message(), ErrorKind::usage);
}

void run_report(const ReportArgs& a) {
  const report::RunHistory run = report::read_run_history(a.run);
  std::error_code ec;
  const std::string out =
      !a.out.empty() ? a.out : (fs::path(run.metrics_path).parent_path() / "report.html").string();
  const report::ReportPage page = report::build_report_page(run, utc_now());
  write_atomically(out, page.html);
  std::printf("report: %s (%zu training records, %zu evaluations, %zu events%s)\n", out.c_str(), run.train.size(),
              run.evals.size(), run.events.size(), run.summary ? ", the run's summary" : "");
  if (!a.png.empty()) {
    report::render_png(out, a.png, report::kPageWidth, page.height_px);
    std::printf("png: %s (%dx%d)\n", a.png.c_str(), report::kPageWidth, page.height_px);
  }
}

}  // namespace

void add_report_command(CLI::App& app, comm::Comm& comm) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "A run as one self-contained HTML page: curves, the final evaluation, "
                                           "where the time went, the config.");
  cmd->add_option("run", args->run, "the run's directory (its checkpoint.dir, holding metrics.jsonl), or the file")
      ->required();
  cmd->add_option("--out", args->out, "the HTML file to write (default: RUN_DIR/report.html)");
  cmd->add_option("--png", args->png, "also render the page to this PNG with headless Chromium");
  cmd->footer("Reads what is there: run it while training goes on, and again for a newer page.\n"
              "  manet report checkpoints/fmnist && xdg-open checkpoints/fmnist/report.html\n"
              "  manet report checkpoints/fmnist --png fmnist.png");
  cmd->callback([args, &comm] {
    comm::agree_on_command(comm, "report");
    if (comm.size() > 1)
      throw CollectiveError("manet report runs as one process: start it without mpirun", ErrorKind::usage,
                            comm.rank() == 0);
    run_report(*args);
  });
}

}  // namespace manet
