// venoflow: unit expressions and quantities (include/venoflow/units.hpp,
// docs/model-format.md#units).
#include "venoflow/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <numbers>
#include <stdexcept>
#include <string>

#include "format/units_detail.hpp"

namespace venoflow {

std::string Dimension::str() const {
  static const char* const symbols[5] = {"M", "L", "T", "angle", "B"};
  std::string s;
  for (int i = 0; i < 5; ++i) {
    if (e[i] == 0) continue;
    if (!s.empty()) s += ' ';
    s += symbols[i];
    if (e[i] != 1) {
      s.push_back('^');
      s.append(std::to_string(e[i]));
    }
  }
  return s.empty() ? "dimensionless" : s;
}

namespace detail {

std::string dimension_name(const Dimension& d) {
  struct Named {
    Dimension d;
    const char* name;
  };
  static const Named names[] = {
      {dim::none, "dimensionless number"},
      {dim::length, "length"},
      {dim::area, "area"},
      {dim::volume, "volume"},
      {dim::time, "time"},
      {dim::frequency, "frequency"},
      {dim::mass_density, "density"},
      {dim::pressure, "pressure"},
      {dim::flow, "flow"},
      {dim::viscosity, "viscosity"},
      {dim::resistance, "resistance"},
      {dim::compliance, "compliance"},
      {dim::inertance, "inertance"},
      {dim::acceleration, "acceleration"},
      {dim::angle, "angle"},
      {dim::velocity, "velocity"},
      {dim::inverse_volume, "inverse volume"},
      {dim::inverse_pressure, "inverse pressure"},
      {dim::valve_rate, "valve rate"},
      {dim::information, "data size"},
      {Dimension{{1, 0, 0, 0}}, "mass"},
      {Dimension{{1, 1, -2, 0}}, "force"},
  };
  for (const auto& n : names)
    if (n.d == d) return n.name;
  return "quantity";
}

std::string describe(const Dimension& d) {
  if (d == dim::none) return "a dimensionless number";
  std::string n = dimension_name(d);
  const char* article = (n[0] == 'a' || n[0] == 'i') ? "an " : "a ";
  return article + n + " (" + d.str() + ")";
}

std::string example_unit(const Dimension& d) {
  struct Ex {
    Dimension d;
    const char* unit;
  };
  static const Ex ex[] = {
      {dim::length, "mm"},          {dim::area, "mm^2"},
      {dim::volume, "ml"},          {dim::time, "s"},
      {dim::frequency, "Hz"},       {dim::mass_density, "kg/m^3"},
      {dim::pressure, "mmHg"},      {dim::flow, "ml/s"},
      {dim::viscosity, "mPa s"},    {dim::resistance, "Pa s m^-3"},
      {dim::compliance, "m^3/Pa"},  {dim::inertance, "Pa s^2 m^-3"},
      {dim::acceleration, "m/s^2"}, {dim::angle, "deg"},
      {dim::velocity, "m/s"},       {dim::information, "GB"},
  };
  for (const auto& x : ex)
    if (x.d == d) return x.unit;
  return "";
}

}  // namespace detail

namespace {

struct BaseUnit {
  const char* symbol;
  double factor;
  Dimension dim;
  bool prefixable;
};

constexpr double kPi = std::numbers::pi;

const BaseUnit kBaseUnits[] = {
    {"m", 1.0, dim::length, true},
    {"g", 1e-3, Dimension{{1, 0, 0, 0}}, true},
    {"s", 1.0, dim::time, true},
    {"min", 60.0, dim::time, false},
    {"h", 3600.0, dim::time, false},
    {"l", 1e-3, dim::volume, true},
    {"L", 1e-3, dim::volume, true},
    {"Pa", 1.0, dim::pressure, true},
    {"N", 1.0, Dimension{{1, 1, -2, 0}}, true},
    {"dyn", 1e-5, Dimension{{1, 1, -2, 0}}, true},
    {"mmHg", 133.322387415, dim::pressure, false},
    {"cmH2O", 98.0665, dim::pressure, false},
    {"bar", 1e5, dim::pressure, true},
    {"Hz", 1.0, dim::frequency, true},
    {"deg", kPi / 180.0, dim::angle, false},
    {"rad", 1.0, dim::angle, true},
    {"%", 0.01, dim::none, false},
    {"poise", 0.1, dim::viscosity, true},
    // Data sizes (solver.max_memory, max_output_size) with their decimal (SI) and binary (IEC
    // 80000-13) multiples spelled out: B takes no general prefix, so that "mB" or "dB" are
    // refused rather than read as a thousandth or a tenth of a byte.
    {"B", 1.0, dim::information, false},
    {"kB", 1e3, dim::information, false},
    {"MB", 1e6, dim::information, false},
    {"GB", 1e9, dim::information, false},
    {"TB", 1e12, dim::information, false},
    {"KiB", 1024.0, dim::information, false},
    {"MiB", 1048576.0, dim::information, false},
    {"GiB", 1073741824.0, dim::information, false},
    {"TiB", 1099511627776.0, dim::information, false},
};

struct Prefix {
  const char* symbol;
  double factor;
};
const Prefix kPrefixes[] = {{"G", 1e9},
                            {"M", 1e6},
                            {"k", 1e3},
                            {"h", 1e2},
                            {"d", 1e-1},
                            {"c", 1e-2},
                            {"m", 1e-3},
                            {"u", 1e-6},
                            {"\xC2\xB5", 1e-6} /* µ (micro sign) */,
                            {"\xCE\xBC", 1e-6} /* μ */,
                            {"n", 1e-9},
                            {"p", 1e-12}};

Unit times(Unit a, const Unit& b, int power) {
  a.factor *= std::pow(b.factor, power);
  for (int i = 0; i < 5; ++i) a.dimension.e[i] += power * b.dimension.e[i];
  return a;
}

/// Largest |exponent| after '^' and in the resulting dimension.
constexpr int kMaxExponent = 12;

/// Parentheses nest at most this deep (the parser recurses on '(').
constexpr int kMaxParentheses = 16;

class UnitParser {
 public:
  UnitParser(std::string_view text, std::string_view context) : s_(text), context_(context) {}

  Unit parse() {
    skip_ws();
    if (pos_ == s_.size()) fail("empty unit");
    Unit u = expression();
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected '" + std::string(s_.substr(pos_)) + "'");
    if (!std::isfinite(u.factor) || !(u.factor > 0.0)) fail("conversion factor out of range");
    for (int e : u.dimension.e)
      if (e > kMaxExponent || e < -kMaxExponent)
        fail("dimension exponent out of range (-" + std::to_string(kMaxExponent) + " to " +
             std::to_string(kMaxExponent) + ")");
    return u;
  }

 private:
  std::string_view s_;
  std::string_view context_;
  size_t pos_ = 0;
  int depth_ = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument(what + " in unit '" + std::string(s_) + "'" +
                                (context_.empty() ? "" : " of '" + std::string(context_) + "'"));
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  bool at_end_of_product() {
    skip_ws();
    return pos_ == s_.size() || s_[pos_] == '/' || s_[pos_] == ')';
  }

  // expression := product ('/' product)*   -- everything after a '/' is in the denominator
  Unit expression() {
    Unit u = product();
    while (true) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '/') break;
      ++pos_;
      u = times(u, product(), -1);
    }
    return u;
  }

  Unit product() {
    Unit u;
    bool any = false;
    while (!at_end_of_product()) {
      if (s_[pos_] == '*') {
        if (!any) fail("'*' without a left operand");
        ++pos_;
        skip_ws();
        if (at_end_of_product()) fail("'*' without a right operand");
        continue;
      }
      Unit f = factor();
      int power = exponent();
      u = times(u, f, power);
      any = true;
    }
    if (!any) fail("missing unit");
    return u;
  }

  int exponent() {
    skip_ws();
    if (pos_ >= s_.size() || s_[pos_] != '^') return 1;
    ++pos_;
    skip_ws();
    size_t start = pos_;
    if (pos_ < s_.size() && (s_[pos_] == '-' || s_[pos_] == '+')) ++pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    std::string num(s_.substr(start, pos_ - start));
    if (num.empty() || num == "-" || num == "+") fail("expected an integer exponent after '^'");
    // Exponents of physical units are small; a bound keeps the dimension exponents (int) and
    // the factor (pow) from overflowing.
    int p = 0;
    const char* first = num.data() + (num[0] == '+' ? 1 : 0);
    auto r = std::from_chars(first, num.data() + num.size(), p);
    if (r.ec != std::errc() || r.ptr != num.data() + num.size() || p > kMaxExponent ||
        p < -kMaxExponent)
      fail("exponent '" + num + "' out of range (-" + std::to_string(kMaxExponent) + " to " +
           std::to_string(kMaxExponent) + ")");
    return p;
  }

  Unit factor() {
    char c = s_[pos_];
    if (c == '(') {
      if (++depth_ > kMaxParentheses)
        fail("parentheses nested deeper than " + std::to_string(kMaxParentheses));
      ++pos_;
      Unit u = expression();
      --depth_;
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ')') fail("missing ')'");
      ++pos_;
      return u;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t start = pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      std::string num(s_.substr(start, pos_ - start));
      if (num != "1") fail("unexpected number '" + num + "' (only '1' may stand for a unit)");
      return Unit{};
    }
    size_t start = pos_;
    while (pos_ < s_.size()) {
      unsigned char ch = static_cast<unsigned char>(s_[pos_]);
      if (std::isalpha(ch) || ch == '%' || ch >= 0x80) {
        ++pos_;
      } else if (std::isdigit(ch)) {
        // digits inside a symbol (cmH2O) only when a letter follows them
        size_t p = pos_;
        while (p < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p]))) ++p;
        if (p < s_.size() && std::isalpha(static_cast<unsigned char>(s_[p]))) {
          pos_ = p;
        } else {
          break;
        }
      } else {
        break;
      }
    }
    if (pos_ == start) fail("unexpected '" + std::string(1, c) + "'");
    std::string sym(s_.substr(start, pos_ - start));
    return symbol(sym);
  }

  Unit symbol(const std::string& sym) const {
    for (const auto& b : kBaseUnits)
      if (sym == b.symbol) return Unit{b.factor, b.dim};
    for (const auto& p : kPrefixes) {
      std::string_view ps(p.symbol);
      if (sym.size() <= ps.size() || sym.compare(0, ps.size(), ps) != 0) continue;
      std::string rest = sym.substr(ps.size());
      for (const auto& b : kBaseUnits)
        if (b.prefixable && rest == b.symbol) return Unit{p.factor * b.factor, b.dim};
    }
    if (context_.empty())
      throw std::invalid_argument("unknown unit '" + sym + "' in '" + std::string(s_) + "'");
    throw std::invalid_argument("unknown unit '" + sym + "' in '" + std::string(context_) + "'");
  }
};

std::string trim(std::string_view t) {
  size_t a = 0, b = t.size();
  while (a < b && std::isspace(static_cast<unsigned char>(t[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(t[b - 1]))) --b;
  return std::string(t.substr(a, b - a));
}

}  // namespace

Unit parse_unit(std::string_view text) { return UnitParser(text, {}).parse(); }

namespace detail {
Unit parse_unit_in(std::string_view unit, std::string_view context) {
  return UnitParser(unit, context).parse();
}

bool parse_number_prefix(const std::string& s, double& value, size_t& used) {
  if (s.empty()) return false;
  unsigned char c0 = static_cast<unsigned char>(s[0]);
  if (!(std::isdigit(c0) || c0 == '-' || c0 == '+' || c0 == '.')) return false;
  const char* begin = s.c_str();
  char* end = nullptr;
  value = std::strtod(begin, &end);
  if (end == begin) return false;
  used = static_cast<size_t>(end - begin);
  // strtod accepts hex floats, "inf" and "nan": none is a number in a model file
  std::string num = s.substr(0, used);
  for (char ch : num)
    if (std::isalpha(static_cast<unsigned char>(ch)) && ch != 'e' && ch != 'E') return false;
  return std::isfinite(value);
}
}  // namespace detail

double parse_quantity(std::string_view text_in, const Dimension& expected,
                      std::string_view default_unit) {
  const std::string text = trim(text_in);
  double value = 0.0;
  size_t used = 0;
  if (!detail::parse_number_prefix(text, value, used))
    throw std::invalid_argument("expected a number followed by a unit, got '" + text + "'");
  const std::string unit_text = trim(std::string_view(text).substr(used));
  Unit unit;
  if (unit_text.empty()) {
    if (default_unit.empty()) {
      std::string ex = detail::example_unit(expected);
      throw std::invalid_argument("missing unit in '" + text + "': expected " +
                                  detail::describe(expected) +
                                  (ex.empty() ? "" : ", e.g. '" + text + " " + ex + "'"));
    }
    unit = parse_unit(default_unit);
  } else {
    unit = detail::parse_unit_in(unit_text, text);
  }
  if (!(unit.dimension == expected))
    throw std::invalid_argument("expected " + detail::describe(expected) + ", got " +
                                detail::describe(unit.dimension) + " in '" + text + "'");
  const double si = value * unit.factor;
  if (!std::isfinite(si))
    throw std::invalid_argument("'" + text +
                                "' is out of range: in SI units it overflows a double");
  return si;
}

}  // namespace venoflow
