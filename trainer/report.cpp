// Evaluation numbers and the files that show them: the training log (CSV),
// loss and accuracy curves and the confusion matrix (SVG, hand-written), and
// a PNG sheet of the worst mistakes captioned with a built-in 5x7 font.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC  // private copy: tests link stb_image_write too
#include <stb_image_write.h>

#include "train.h"

namespace ink {
namespace train {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

bool write_text(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '&')
      o += "&amp;";
    else if (c == '"')
      o += "&quot;";
    else
      o += c;
  }
  return o;
}

}  // namespace

Metrics compute_metrics(const float* probs, const uint8_t* labels, int n, int C) {
  Metrics m;
  m.num_classes = C;
  m.count = n;
  m.confusion.assign(size_t(C) * C, 0);
  double loss = 0;
  for (int i = 0; i < n; i++) {
    const float* p = probs + size_t(i) * C;
    const int pred = int(std::max_element(p, p + C) - p);
    const int y = labels[i];
    m.confusion[size_t(y) * C + pred]++;
    m.correct += pred == y;
    loss -= std::log(std::max(double(p[y]), 1e-12));
  }
  m.accuracy = n ? double(m.correct) / n : 0;
  m.loss = n ? loss / n : 0;
  m.precision.assign(C, 0);
  m.recall.assign(C, 0);
  m.f1.assign(C, 0);
  for (int c = 0; c < C; c++) {
    long tp = m.confusion[size_t(c) * C + c], col = 0, row = 0;
    for (int k = 0; k < C; k++) {
      col += m.confusion[size_t(k) * C + c];
      row += m.confusion[size_t(c) * C + k];
    }
    m.precision[c] = col ? double(tp) / col : 0;
    m.recall[c] = row ? double(tp) / row : 0;
    const double s = m.precision[c] + m.recall[c];
    m.f1[c] = s > 0 ? 2 * m.precision[c] * m.recall[c] / s : 0;
    m.macro_precision += m.precision[c] / C;
    m.macro_recall += m.recall[c] / C;
    m.macro_f1 += m.f1[c] / C;
  }
  return m;
}

std::string metrics_text(const Metrics& m, const std::vector<std::string>& labels) {
  const int C = m.num_classes;
  std::string s;
  char buf[256];
  std::snprintf(buf, sizeof buf, "accuracy %.2f%% (%d/%d), %d errors, loss %.4f\n\n",
                100 * m.accuracy, m.correct, m.count, m.count - m.correct, m.loss);
  s += buf;
  s += "class        precision  recall     F1   support\n";
  for (int c = 0; c < C; c++) {
    long row = 0;
    for (int k = 0; k < C; k++) row += m.confusion[size_t(c) * C + k];
    std::snprintf(buf, sizeof buf, "%-12s  %7.2f%%  %6.2f%%  %6.2f%%  %6ld\n",
                  (c < int(labels.size()) ? labels[c] : std::to_string(c)).substr(0, 12).c_str(),
                  100 * m.precision[c], 100 * m.recall[c], 100 * m.f1[c], row);
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "%-12s  %7.2f%%  %6.2f%%  %6.2f%%  %6d\n\n", "macro avg",
                100 * m.macro_precision, 100 * m.macro_recall, 100 * m.macro_f1, m.count);
  s += buf;
  s += "confusion matrix (rows: true, columns: predicted)\n     ";
  for (int c = 0; c < C; c++) s += fmt("%5.0f", c);
  s += "\n";
  for (int r = 0; r < C; r++) {
    s += fmt("%5.0f", r);
    for (int c = 0; c < C; c++) s += fmt("%5.0f", m.confusion[size_t(r) * C + c]);
    s += "\n";
  }
  return s;
}

std::string metrics_json(const Metrics& m) {
  std::string s = "{\"count\":" + std::to_string(m.count) +
                  ",\"correct\":" + std::to_string(m.correct) +
                  ",\"accuracy\":" + fmt("%.6f", m.accuracy) + ",\"loss\":" + fmt("%.6f", m.loss);
  auto arr = [&](const char* name, const std::vector<double>& v) {
    s += std::string(",\"") + name + "\":[";
    for (size_t i = 0; i < v.size(); i++) s += (i ? "," : "") + fmt("%.6f", v[i]);
    s += "]";
  };
  arr("precision", m.precision);
  arr("recall", m.recall);
  arr("f1", m.f1);
  s += ",\"macro_precision\":" + fmt("%.6f", m.macro_precision) +
       ",\"macro_recall\":" + fmt("%.6f", m.macro_recall) +
       ",\"macro_f1\":" + fmt("%.6f", m.macro_f1) + ",\"confusion\":" + confusion_json(m);
  return s + "}";
}

std::string confusion_json(const Metrics& m) {
  const int C = m.num_classes;
  std::string s = "[";
  for (int r = 0; r < C; r++) {
    s += r ? ",[" : "[";
    for (int c = 0; c < C; c++)
      s += (c ? "," : "") + std::to_string(m.confusion[size_t(r) * C + c]);
    s += "]";
  }
  return s + "]";
}

std::string json_set(const std::string& json, const std::string& key, const std::string& value) {
  // One pass over the object: strings are skipped whole (escapes included),
  // brackets counted, and a key is a string at depth 1 followed by ':'.
  const std::string quoted = "\"" + key + "\"";
  int depth = 0;
  size_t value_begin = std::string::npos;
  for (size_t i = 0; i < json.size(); i++) {
    const char c = json[i];
    if (c == '"') {
      size_t end = i + 1;
      while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
      if (depth == 1 && value_begin == std::string::npos && end < json.size() &&
          json.compare(i, end + 1 - i, quoted) == 0 && end + 1 < json.size() &&
          json[end + 1] == ':')
        value_begin = end + 2;
      i = end;
    } else if (c == '[' || c == '{') {
      depth++;
    } else if (c == ']' || c == '}') {
      depth--;
      if (depth == 0 && value_begin == std::string::npos) {
        // Not there: append before the closing brace.
        const bool empty = json.find_first_not_of(" \t\r\n", json.find('{') + 1) == i;
        return json.substr(0, i) + (empty ? "" : ",") + quoted + ":" + value + json.substr(i);
      }
    }
    if (value_begin != std::string::npos && i >= value_begin &&
        ((depth == 1 && c == ',') || depth == 0)) {
      return json.substr(0, value_begin) + value + json.substr(i);
    }
  }
  return "{" + quoted + ":" + value + "}";  // not an object: start one
}

bool write_log_csv(const std::string& path, const std::vector<EpochLog>& log) {
  std::string s = "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds\n";
  char buf[256];
  for (const EpochLog& e : log) {
    std::snprintf(buf, sizeof buf, "%d,%.5f,%.5f,%.5f,%.5f,%.6g,%.1f\n", e.epoch, e.train_loss,
                  e.train_acc, e.val_loss, e.val_acc, e.lr, e.seconds);
    s += buf;
  }
  return write_text(path, s);
}

// ---------------------------------------------------------------- curves

bool write_curves_svg(const std::string& path, const std::vector<EpochLog>& log, bool accuracy) {
  const double W = 640, H = 360, L = 64, R = 120, T = 36, B = 44;
  const int E = int(log.size());
  std::vector<double> a, b;  // train, val
  for (const EpochLog& e : log) {
    a.push_back(accuracy ? 100 * e.train_acc : e.train_loss);
    b.push_back(accuracy ? 100 * e.val_acc : e.val_loss);
  }
  double lo = 0, hi = 1;
  if (E > 0) {
    lo = std::min(*std::min_element(a.begin(), a.end()), *std::min_element(b.begin(), b.end()));
    hi = std::max(*std::max_element(a.begin(), a.end()), *std::max_element(b.begin(), b.end()));
  }
  // Late epochs matter: the range covers epochs from k0 on, earlier points
  // are clipped to the border.
  const int k0 = E >= 8 ? E / 4 : std::min(1, std::max(E - 1, 0));
  if (accuracy) {
    if (E > 0)
      lo = std::min(*std::min_element(a.begin() + k0, a.end()),
                    *std::min_element(b.begin() + k0, b.end()));
    lo = std::floor(lo * 2) / 2;
    hi = 100;
  } else {
    lo = 0;
    if (E > 0)
      hi = std::max(*std::max_element(a.begin() + k0, a.end()),
                    *std::max_element(b.begin() + k0, b.end()));
    hi = std::ceil(hi * 10) / 10;
  }
  if (hi <= lo) hi = lo + 1;
  auto X = [&](double ep) { return L + (W - L - R) * (E > 1 ? (ep - 1) / (E - 1) : 0.5); };
  auto Y = [&](double v) {
    v = std::max(lo, std::min(hi, v));
    return T + (H - T - B) * (1 - (v - lo) / (hi - lo));
  };
  std::string s =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"360\" "
      "viewBox=\"0 0 640 360\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"640\" height=\"360\" fill=\"white\"/>\n";
  s += std::string("<text x=\"320\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">") +
       (accuracy ? "Accuracy (%)" : "Loss (cross-entropy)") + " per epoch</text>\n";
  for (int i = 0; i <= 5; i++) {
    const double v = lo + (hi - lo) * i / 5, y = Y(v);
    s += "<line x1=\"" + fmt("%.1f", L) + "\" x2=\"" + fmt("%.1f", W - R) + "\" y1=\"" +
         fmt("%.1f", y) + "\" y2=\"" + fmt("%.1f", y) + "\" stroke=\"#ddd\"/>\n";
    s += "<text x=\"" + fmt("%.1f", L - 6) + "\" y=\"" + fmt("%.1f", y + 4) +
         "\" text-anchor=\"end\">" + fmt(accuracy ? "%.2f" : "%.3f", v) + "</text>\n";
  }
  const int step = std::max(1, E / 10);
  for (int ep = 1; ep <= E; ep += step) {
    s += "<text x=\"" + fmt("%.1f", X(ep)) + "\" y=\"" + fmt("%.1f", H - B + 16) +
         "\" text-anchor=\"middle\">" + std::to_string(ep) + "</text>\n";
  }
  s += "<text x=\"" + fmt("%.1f", (L + W - R) / 2) + "\" y=\"" + fmt("%.1f", H - 8) +
       "\" text-anchor=\"middle\">epoch</text>\n";
  s += "<rect x=\"" + fmt("%.1f", L) + "\" y=\"" + fmt("%.1f", T) + "\" width=\"" +
       fmt("%.1f", W - L - R) + "\" height=\"" + fmt("%.1f", H - T - B) +
       "\" fill=\"none\" stroke=\"#333\"/>\n";
  const char* colors[2] = {"#1f77b4", "#d62728"};
  const char* names[2] = {"train", "validation"};
  for (int k = 0; k < 2; k++) {
    const std::vector<double>& v = k == 0 ? a : b;
    std::string pts;
    for (int i = 0; i < E; i++) pts += fmt("%.1f", X(i + 1)) + "," + fmt("%.1f", Y(v[i])) + " ";
    s += std::string("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"") + colors[k] +
         "\" points=\"" + pts + "\"/>\n";
    const double ly = T + 10 + 20 * k;
    s += "<line x1=\"" + fmt("%.1f", W - R + 10) + "\" x2=\"" + fmt("%.1f", W - R + 30) +
         "\" y1=\"" + fmt("%.1f", ly) + "\" y2=\"" + fmt("%.1f", ly) + "\" stroke-width=\"2\" " +
         "stroke=\"" + colors[k] + "\"/>\n";
    s += "<text x=\"" + fmt("%.1f", W - R + 36) + "\" y=\"" + fmt("%.1f", ly + 4) + "\">" +
         names[k] + "</text>\n";
  }
  if (E > 0) {
    const double last = b.back();
    s += "<text x=\"" + fmt("%.1f", W - R + 10) + "\" y=\"" + fmt("%.1f", T + 64) +
         "\">last val: " + fmt(accuracy ? "%.2f" : "%.4f", last) + "</text>\n";
  }
  s += "</svg>\n";
  return write_text(path, s);
}

bool write_confusion_svg(const std::string& path, const Metrics& m,
                         const std::vector<std::string>& labels, const std::string& title) {
  const int C = m.num_classes;
  const int cell = 44, L = 90, T = 70;
  const int W = L + C * cell + 20, H = T + C * cell + 50;
  int max_off = 1, max_diag = 1;
  for (int r = 0; r < C; r++)
    for (int c = 0; c < C; c++) {
      int v = m.confusion[size_t(r) * C + c];
      (r == c ? max_diag : max_off) = std::max(r == c ? max_diag : max_off, v);
    }
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(W) +
                  "\" height=\"" + std::to_string(H) + "\" viewBox=\"0 0 " + std::to_string(W) +
                  " " + std::to_string(H) +
                  "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" "
                  "height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + std::to_string(W / 2) +
       "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">" + xml_escape(title) + "</text>\n";
  s += "<text x=\"" + std::to_string(L + C * cell / 2) +
       "\" y=\"46\" text-anchor=\"middle\">predicted</text>\n";
  s += "<text x=\"18\" y=\"" + std::to_string(T + C * cell / 2) + "\" transform=\"rotate(-90 18 " +
       std::to_string(T + C * cell / 2) + ")\" text-anchor=\"middle\">true</text>\n";
  for (int c = 0; c < C; c++) {
    const std::string name = xml_escape(c < int(labels.size()) ? labels[c] : std::to_string(c));
    s += "<text x=\"" + std::to_string(L + c * cell + cell / 2) + "\" y=\"" +
         std::to_string(T - 6) + "\" text-anchor=\"middle\">" + name.substr(0, 6) + "</text>\n";
    s += "<text x=\"" + std::to_string(L - 6) + "\" y=\"" +
         std::to_string(T + c * cell + cell / 2 + 4) + "\" text-anchor=\"end\">" +
         name.substr(0, 10) + "</text>\n";
  }
  for (int r = 0; r < C; r++) {
    for (int c = 0; c < C; c++) {
      const int v = m.confusion[size_t(r) * C + c];
      // Diagonal in blue, mistakes in red; intensity by sqrt of the count.
      const double t = r == c ? std::sqrt(double(v) / max_diag) : std::sqrt(double(v) / max_off);
      const int k = int(255 - 200 * t);
      char color[16];
      if (v == 0)
        std::snprintf(color, sizeof color, "#ffffff");
      else if (r == c)
        std::snprintf(color, sizeof color, "#%02x%02xff", k, k);
      else
        std::snprintf(color, sizeof color, "#ff%02x%02x", k, k);
      s += "<rect x=\"" + std::to_string(L + c * cell) + "\" y=\"" + std::to_string(T + r * cell) +
           "\" width=\"" + std::to_string(cell) + "\" height=\"" + std::to_string(cell) +
           "\" fill=\"" + color + "\" stroke=\"#ccc\"/>\n";
      if (v > 0) {
        s += "<text x=\"" + std::to_string(L + c * cell + cell / 2) + "\" y=\"" +
             std::to_string(T + r * cell + cell / 2 + 4) + "\" text-anchor=\"middle\"" +
             (t > 0.6 ? " fill=\"white\"" : "") + ">" + std::to_string(v) + "</text>\n";
      }
    }
  }
  s += "<text x=\"" + std::to_string(L) + "\" y=\"" + std::to_string(H - 16) + "\">accuracy " +
       fmt("%.2f", 100 * m.accuracy) + "%, " + std::to_string(m.count - m.correct) + " errors in " +
       std::to_string(m.count) + "</text>\n</svg>\n";
  return write_text(path, s);
}

// ------------------------------------------------------------ error sheet

namespace {

// 5x7 glyphs, one byte per row, bit 4 = leftmost column.
struct Glyph {
  char c;
  uint8_t rows[7];
};
const Glyph kFont[] = {
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'t', {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06}},
    {'p', {0x00, 0x00, 0x1E, 0x11, 0x1E, 0x10, 0x10}},
    {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}},
    {'=', {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}},
};

// Draws text at (x, y) with each font pixel a s x s block of value `ink`.
void draw_text(uint8_t* img, int W, int H, int x, int y, const std::string& text, int s,
               uint8_t ink) {
  for (char ch : text) {
    for (const Glyph& g : kFont) {
      if (g.c != ch) continue;
      for (int r = 0; r < 7; r++)
        for (int c = 0; c < 5; c++)
          if (g.rows[r] & (0x10 >> c))
            for (int dy = 0; dy < s; dy++)
              for (int dx = 0; dx < s; dx++) {
                const int yy = y + r * s + dy, xx = x + c * s + dx;
                if (yy >= 0 && yy < H && xx >= 0 && xx < W) img[yy * W + xx] = ink;
              }
    }
    x += 6 * s;
  }
}

}  // namespace

bool write_errors_png(const std::string& path, const Dataset& data, const float* probs, int C,
                      int count) {
  struct Wrong {
    int index, pred;
    float conf;
  };
  std::vector<Wrong> wrong;
  for (int i = 0; i < data.n; i++) {
    const float* p = probs + size_t(i) * C;
    const int pred = int(std::max_element(p, p + C) - p);
    if (pred != data.labels[i]) wrong.push_back({i, pred, p[pred]});
  }
  std::stable_sort(wrong.begin(), wrong.end(),
                   [](const Wrong& a, const Wrong& b) { return a.conf > b.conf; });
  if (int(wrong.size()) > count) wrong.resize(count);
  // 5 columns; a cell is the image at 4x (ink dark on white) and a caption
  // "t7 p2 99%": true label, predicted label, confidence.
  const int cols = 5, zoom = 4, side = 28 * zoom, cap = 22, gap = 6;
  const int rows = std::max(1, (int(wrong.size()) + cols - 1) / cols);
  const int W = cols * side + (cols + 1) * gap, H = rows * (side + cap) + (rows + 1) * gap;
  std::vector<uint8_t> img(size_t(W) * H, 255);
  for (size_t k = 0; k < wrong.size(); k++) {
    const int x0 = gap + int(k % cols) * (side + gap),
              y0 = gap + int(k / cols) * (side + cap + gap);
    const uint8_t* px = data.pixels.data() + size_t(wrong[k].index) * data.h * data.w;
    for (int y = 0; y < side; y++)
      for (int x = 0; x < side; x++)
        img[size_t(y0 + y) * W + x0 + x] = uint8_t(255 - px[(y / zoom) * data.w + x / zoom]);
    for (int x = 0; x < side; x++) img[size_t(y0 + side) * W + x0 + x] = 160;
    char caption[32];
    std::snprintf(caption, sizeof caption, "t%d p%d %d%%", data.labels[wrong[k].index],
                  wrong[k].pred, std::min(99, int(100 * wrong[k].conf)));
    draw_text(img.data(), W, H, x0 + 2, y0 + side + 4, caption, 2, 0);
  }
  return stbi_write_png(path.c_str(), W, H, 1, img.data(), W) != 0;
}

}  // namespace train
}  // namespace ink
