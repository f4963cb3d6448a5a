// The per-object report, as the engine API names it. The report is defined
// once, as the message helperlink.v1.Report in proto/report.proto (what
// each field means, and how call sites are counted, is documented there);
// its JSON form and warnings are rendered in proto/report_json.h.
#ifndef HELPERLINK_REPORT_H_
#define HELPERLINK_REPORT_H_

#include "report.pb.h"

namespace helperlink {

using Report = v1::Report;

}  // namespace helperlink

#endif  // HELPERLINK_REPORT_H_
