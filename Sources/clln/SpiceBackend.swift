import CLLN
import CLLNReport
import Foundation

/// `clln bench solve --backend spice`: ngspice's analysis time (`op`, or a batch's `dc` sweep per
/// point) and our layer's, and resident memory.
func runSpiceBenchmark(sizes: [Int], emit: (SpiceBenchmarkReport, (SpiceBenchmarkReport) -> String) throws -> Void) throws {
    let report = try SpiceBenchmark.run(
        sizes: sizes.isEmpty ? [16, 256, 1024, 4096] : sizes,
        progress: { FileHandle.standardError.write(Data("\($0)\n".utf8)) })
    try emit(report) { r in
        var lines = ["ngspice \(r.ngspiceVersion), model \(r.modelName), options \(r.spiceOptions)"]
        for t in r.timings {
            let analysis = t.pointsPerBatch > 1 ? "dc sweep" : "op"
            lines.append("\(t.nodes) nodes \(t.scenario) \(t.updateMode)/\(t.gateStyle): "
                + String(format: "%.1f µs/solve (\(analysis) %.1f, other ngspice %.1f, our layer %.1f)",
                         t.microsecondsPerSolve, t.analysisMicroseconds, t.otherNgspiceMicroseconds, t.layerMicroseconds))
        }
        if let m = r.memory {
            lines.append(String(format: "resident memory over %d solves: %.1f → %.1f MiB", m.solves, m.residentMiBAtStart, m.residentMiBAtEnd))
        }
        return lines.joined(separator: "\n")
    }
}
