#pragma once
// What a bench scenario hands back for printing: one JSON object (for --json)
// and the tables of its human summary.
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ember::bench {

struct ReportTable {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // each as wide as columns
};

struct Report {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  std::vector<ReportTable> tables;
  std::vector<std::string> notes;  // lines printed under the tables
};

// --json: the object on one line. Otherwise each table with aligned columns
// (first left-aligned, the rest right-aligned), then the notes.
void print_report(const Report& report, bool json, std::ostream& out);

}  // namespace ember::bench
