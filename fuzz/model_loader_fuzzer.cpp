// venoflow: libFuzzer harness of the model loader (ModelDocument::from_string, --set overrides,
// scenario composition, ModelDocument::build). Built by the CMake preset `fuzz` (clang,
// -fsanitize=fuzzer,address,undefined); how to run it: fuzz/README.md.
//
// The loader's contract (README "Standards"): bad input gets a ModelError (every diagnostic
// with a message) or an OverrideError. Anything else is a finding: another exception, a
// sanitizer report, a crash, a timeout or running out of memory.
//
// One input is a small set of files, so that scenarios (`extends:`), table files (`file:`) and
// --set overrides are reached from the bytes alone:
//
//   <model text>                  main document, parsed by from_string as "fuzz.yaml"
//   #set PATH=VALUE               (any line of the main text) an override, applied in order
//   #=== NAME                     starts a file NAME ([A-Za-z0-9_.-]) written to the temporary
//   <file text>                   directory, e.g. a base model or a two-column table
//
// The temporary directory ($TMPDIR/venoflow-fuzz/<pid>, removed at exit) also holds the shipped
// model as `cerebral_venous.yaml`, compiled into the harness, so that a scenario of
// models/scenarios/ is a few hundred bytes (`extends: cerebral_venous.yaml`).
//
// No file outside that directory is read or written: the loader opens only `extends:` and
// `file:` values relative to it, and an input in which any value under such a key (or an
// override of one) contains '/' or ".." is rejected before the loader sees it.
#include <cxxabi.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "format/yaml_tree.hpp"
#include "venoflow/errors.hpp"
#include "venoflow/model_document.hpp"

extern const unsigned char venoflow_fuzz_base_model[];  // models/cerebral_venous.yaml
extern const std::size_t venoflow_fuzz_base_model_size;

namespace {

constexpr std::string_view kBaseName = "cerebral_venous.yaml";
constexpr std::size_t kMaxFiles = 4;
constexpr std::size_t kMaxOverrides = 4;

struct File {
  std::string name, text;
};

struct Input {
  std::string main;
  std::vector<std::string> overrides;
  std::vector<File> files;
};

bool valid_file_name(const std::string& n) {
  if (n.empty() || n.size() > 64 || n == "." || n == "..") return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
      return false;
  return true;
}

Input split(std::string_view bytes) {
  Input in;
  std::string* cur = &in.main;
  bool in_main = true;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    std::size_t eol = bytes.find('\n', pos);
    std::size_t next = eol == std::string_view::npos ? bytes.size() : eol + 1;
    std::string_view line = bytes.substr(pos, next - pos);
    std::string_view body = line.substr(0, line.size() - (eol == std::string_view::npos ? 0 : 1));
    if (body.substr(0, 5) == "#=== " && in.files.size() < kMaxFiles) {
      in.files.push_back(File{std::string(body.substr(5)), {}});
      cur = &in.files.back().text;
      in_main = false;
    } else {
      if (in_main && body.substr(0, 5) == "#set " && in.overrides.size() < kMaxOverrides)
        in.overrides.emplace_back(body.substr(5));
      cur->append(line);
    }
    pos = next;
  }
  return in;
}

// --- the file-access guard ---

bool safe_reference(const std::string& s) {
  return s.find('/') == std::string::npos && s.find("..") == std::string::npos;
}

std::string last_segment(const std::string& dotted) {
  auto dot = dotted.rfind('.');
  return dot == std::string::npos ? dotted : dotted.substr(dot + 1);
}

bool opens_a_file(const std::string& key) {
  const std::string k = last_segment(key);
  return k == "file" || k == "extends";
}

bool all_scalars_safe(const venoflow::yaml::Node& n, int depth = 0) {
  if (depth > 4000) return false;  // deeper than the reader parses; never reached
  if (n.IsScalar()) return safe_reference(n.Scalar());
  for (const auto& item : n.items())
    if (!all_scalars_safe(item, depth + 1)) return false;
  for (const auto& [k, v] : n.entries())
    if (!all_scalars_safe(k, depth + 1) || !all_scalars_safe(v, depth + 1)) return false;
  return true;
}

// Every value that the loader could use as a path (under a key `file` or `extends`, also as a
// dotted scenario `set:` key) stays inside the temporary directory.
bool references_safe(const venoflow::yaml::Node& n, int depth = 0) {
  if (depth > 4000) return false;
  for (const auto& item : n.items())
    if (!references_safe(item, depth + 1)) return false;
  for (const auto& [k, v] : n.entries()) {
    if (k.IsScalar() && opens_a_file(k.Scalar()) && !all_scalars_safe(v)) return false;
    if (!references_safe(k, depth + 1) || !references_safe(v, depth + 1)) return false;
  }
  return true;
}

// A text that the YAML reader refuses is rejected by the loader before any file is opened
// (the loader reads with the same limits or stricter ones: a `--set` value's depth starts at
// its path's).
bool yaml_text_safe(const std::string& text) {
  venoflow::yaml::Node root;
  try {
    root = venoflow::yaml::parse(text);
  } catch (...) {
    return true;
  }
  return references_safe(root);
}

bool input_safe(const Input& in) {
  if (!yaml_text_safe(in.main)) return false;
  for (const auto& f : in.files)
    if (!yaml_text_safe(f.text)) return false;
  for (const auto& text : in.overrides) {
    venoflow::Override o;
    venoflow::yaml::Node value;
    try {
      o = venoflow::parse_override(text);      // what load() applies
      value = venoflow::yaml::parse(o.value);  // what ModelDocument::set parses
    } catch (...) {
      continue;  // rejected by the loader before any file is opened
    }
    if (opens_a_file(o.path) && !all_scalars_safe(value)) return false;
    if (!references_safe(value)) return false;
  }
  return true;
}

// --- the temporary directory ---

struct TempDir {
  std::filesystem::path dir;
  std::vector<std::string> written;  // files of the last input

  // $TMPDIR/venoflow-fuzz/<pid>. A process that crashed (abort, sanitizer report) could not
  // remove its directory: the directories of processes that no longer exist are removed here.
  TempDir() {
    const std::filesystem::path parent = std::filesystem::temp_directory_path() / "venoflow-fuzz";
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    for (const auto& e : std::filesystem::directory_iterator(parent, ec)) {
      const std::string n = e.path().filename().string();
      if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos)
        continue;
      if (kill(static_cast<pid_t>(std::stol(n)), 0) != 0 && errno == ESRCH)
        std::filesystem::remove_all(e.path(), ec);
    }
    dir = parent / std::to_string(getpid());
    std::filesystem::remove_all(dir, ec);
    if (!std::filesystem::create_directory(dir, ec)) {
      std::fprintf(stderr, "venoflow fuzzer: cannot make %s: %s\n", dir.c_str(),
                   ec.message().c_str());
      std::abort();
    }
    write(std::string(kBaseName),
          std::string(reinterpret_cast<const char*>(venoflow_fuzz_base_model),
                      venoflow_fuzz_base_model_size));
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f) {
      std::fprintf(stderr, "venoflow fuzzer: cannot write %s\n", (dir / name).c_str());
      std::abort();
    }
  }
  // Files of the input replace those of the previous one; the shipped model is restored if an
  // input overwrote it.
  void prepare(const std::vector<File>& files) {
    for (const auto& name : written) {
      std::error_code ec;
      std::filesystem::remove(dir / name, ec);
      if (name == kBaseName)
        write(name, std::string(reinterpret_cast<const char*>(venoflow_fuzz_base_model),
                                venoflow_fuzz_base_model_size));
    }
    written.clear();
    for (const auto& f : files) {
      write(f.name, f.text);
      written.push_back(f.name);
    }
  }
};

TempDir& temp_dir() {
  static TempDir d;  // removed at exit
  return d;
}

[[noreturn]] void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "\nvenoflow fuzzer FINDING: %s\n%s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string type_name(const std::type_info& t) {
  int status = 0;
  char* d = abi::__cxa_demangle(t.name(), nullptr, nullptr, &status);
  std::string s = status == 0 && d ? d : t.name();
  std::free(d);
  return s;
}

void check_model_error(const venoflow::ModelError& e) {
  if (e.diagnostics().empty()) finding("ModelError without a diagnostic", e.what());
  for (const auto& d : e.diagnostics())
    if (d.message.empty()) finding("ModelError with an empty message", d.str());
}

// The loader under test. Returns normally when it accepted the input or rejected it with the
// documented errors.
void load(const Input& in, const std::string& dir) {
  std::string stage = "from_string";
  try {
    venoflow::ModelDocument doc = venoflow::ModelDocument::from_string(in.main, "fuzz.yaml", dir);
    stage = "--set";
    for (const auto& text : in.overrides) {
      const venoflow::Override o = venoflow::parse_override(text);
      doc.set(o.path, o.value);
      (void)doc.get(o.path);  // what was just set is there
    }
    stage = "build";
    const venoflow::Model model = doc.build();
    // A copy (Python sweeps copy documents) re-parses the text and replays the overrides: it
    // must give the same document.
    stage = "copy";
    const venoflow::ModelDocument copy(doc);
    if (copy.yaml() != doc.yaml())
      finding("a copy of the document differs from it", doc.yaml() + "\n--- copy:\n" + copy.yaml());
    // The resolved text that results files keep (docs/results-format.md) is a model file that
    // loads and builds again, to the same text.
    stage = "reload";
    const auto again =
        venoflow::ModelDocument::from_string(model.resolved_yaml, "resolved.yaml", dir);
    (void)again.build(false);
    if (again.yaml() != model.resolved_yaml)
      finding("the resolved text of a model reloads to another text",
              model.resolved_yaml + "\n--- reloaded:\n" + again.yaml());
  } catch (const venoflow::ModelError& e) {
    if (stage == "copy" || stage == "reload")
      finding(("a valid model fails at " + stage + " with ModelError").c_str(), e.what());
    check_model_error(e);
  } catch (const venoflow::OverrideError& e) {
    if (stage == "copy" || stage == "reload")
      finding(("a valid model fails at " + stage + " with OverrideError").c_str(), e.what());
  } catch (const std::exception& e) {
    finding(("unexpected exception at " + stage).c_str(), type_name(typeid(e)) + ": " + e.what());
  } catch (...) {
    finding(("unexpected non-standard exception at " + stage).c_str(), "");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Input in = split(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const auto& f : in.files)
    if (!valid_file_name(f.name)) return -1;  // -1: not added to the corpus
  if (!input_safe(in)) return -1;
  TempDir& t = temp_dir();
  t.prepare(in.files);
  load(in, t.dir.string());
  return 0;
}
