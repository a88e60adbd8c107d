@testable import CLLNBench
import Foundation
import Testing

/// `clln bench … --quick`: the report's shape and exit codes (the figures themselves are not checked).
@Suite(.serialized) struct BenchCLITests {
    struct SolveReport: Decodable {
        struct Row: Decodable { var `case`: String; var nodes: Int; var edges: Int; var solves: Int; var us_per_solve: Double }
        var rows: [Row]
        var growth_exponent: Double?
    }

    struct TrainRow: Decodable { var preset: String; var steps: Int; var trials: Int; var steps_per_s: Double; var solves_per_step: Double }

    @Test func quickSolveBenchmarkReportsEveryCase() throws {
        let r = try clln(["bench", "solve", "--quick", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let report = try JSONDecoder().decode(SolveReport.self, from: Data(r.out.utf8))
        #expect(report.rows.map(\.nodes) == [16, 16, 256, 1024])
        #expect(report.rows.allSatisfy { $0.us_per_solve > 0 && $0.solves > 0 } && report.growth_exponent != nil)
    }

    @Test func quickTrainBenchmarkReportsBothPresets() throws {
        let r = try clln(["bench", "train", "--quick", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let rows = try JSONDecoder().decode([TrainRow].self, from: Data(r.out.utf8))
        #expect(rows.map(\.preset) == ["four-state", "navigation"])
        #expect(rows.allSatisfy { $0.steps == 10_000 && $0.trials == 1 && $0.steps_per_s > 0 && $0.solves_per_step >= 1 })
    }

    struct ScaleReport: Decodable {
        struct Row: Decodable {
            var family: String; var backend: String; var edges: Int; var ms_per_update: Double; var batch_ms_per_point: Double?
            var gate_style: String?; var newton_iterations_per_point: Double?; var first_update_newton_iterations: Int?
        }
        var linear_solver: String
        var rows: [Row]
    }

    @Test func quickSpiceScaleBenchmarkReportsEverySizeFamilyAndBackend() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("clln-scale-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try clln(["bench", "spice-scale", "--quick", "--json", "--out", out.path])
        #expect(r.status == 0, "\(r.err)")
        let report = try JSONDecoder().decode(ScaleReport.self, from: Data(r.out.utf8))
        #expect(["KLU", "Sparse 1.3"].contains(report.linear_solver))
        #expect(report.rows.map(\.edges) == [18, 18, 18, 18, 18, 18, 200, 200, 200, 200, 200, 200])
        #expect(report.rows.prefix(3).map(\.backend) == ["nmos-ideal", "ald1106", "ideal"])
        #expect(report.rows.allSatisfy { $0.ms_per_update > 0 && ($0.backend == "ideal") == ($0.batch_ms_per_point == nil) })
        // Session rows count Newton iterations: at least two loads per point, and the first
        // update's two cold first points at least that; `op` and idealized rows have none.
        #expect(report.rows.contains { $0.gate_style == "session" })
        for row in report.rows {
            if row.gate_style == "session" {
                #expect((row.newton_iterations_per_point ?? 0) >= 2 && (row.first_update_newton_iterations ?? 0) >= 4, "\(row)")
            } else {
                #expect(row.newton_iterations_per_point == nil && row.first_update_newton_iterations == nil, "\(row)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("bench-spice-scale.json").path))
    }

    /// The growth fit over 3,200–100,352 edges, of wall and of processor time separately (rows
    /// outside the range and other backends left out).
    @Test func spiceScaleGrowthFitsWallAndProcessorTime() {
        func row(_ edges: Int, backend: String = "ald1106", wall: Double, cpu: Double) -> SpiceScaleReport.Row {
            SpiceScaleReport.Row(
                family: "lattice", backend: backend, gateStyle: "session", nodes: edges / 2, edges: edges, updates: 5,
                firstUpdateMilliseconds: 1, millisecondsPerUpdate: wall, medianMillisecondsPerUpdate: wall,
                processorMillisecondsPerUpdate: cpu, analysisMilliseconds: nil, otherNgspiceMilliseconds: nil,
                firstBatchMilliseconds: nil, batchMillisecondsPerPoint: nil, residentMiB: 1)
        }
        let rows = [800, 3200, 20_000, 100_352].map { e in row(e, wall: 1e-3 * pow(Double(e), 1.5), cpu: 2e-3 * pow(Double(e), 1.25)) }
            + [row(3200, backend: "ideal", wall: 1, cpu: 1)]
        let growth = SpiceScaleBenchmark.growth(rows)
        #expect(growth.count == 1)
        #expect(growth.first?.edges == [3200, 20_000, 100_352])
        #expect(abs((growth.first?.exponent ?? 0) - 1.5) < 1e-9 && abs((growth.first?.processorExponent ?? 0) - 1.25) < 1e-9)
    }

    /// A long benchmark hands out its report after every row (rows so far, not complete), so an
    /// interrupted run keeps what it measured; the final report is complete.
    @Test func scaleBenchmarksReportEveryFinishedRow() throws {
        var spicePartials: [SpiceScaleReport] = []
        let spice = try SpiceScaleBenchmark.run(
            edges: [18], families: [.lattice, .dense], models: ["nmos-ideal"], ideal: false, updates: 1, batch: false,
            rowFinished: { spicePartials.append($0) })
        #expect(spicePartials.map(\.rows.count) == [1, 2] && spicePartials.allSatisfy { !$0.complete } && spice.complete)
        #expect(spicePartials.last?.rows.map(\.family) == spice.rows.map(\.family))
        var idealPartials: [CLLNBench.IdealScaleReport] = []
        let ideal = try IdealScaleBenchmark.run(edges: [800], updates: 1, rowFinished: { idealPartials.append($0) })
        #expect(idealPartials.map(\.rows.count) == [1, 2] && idealPartials.allSatisfy { !$0.complete } && ideal.complete)
    }

    /// `--pyclln`: the three variants side by side per size, each timed.
    @Test func quickPyCLLNComparisonReportsThreeVariantsPerSize() throws {
        struct Row: Decodable { var edges: Int; var variant: String; var ms_per_update: Double; var cpu_ms_per_update: Double }
        let r = try clln(["bench", "spice-scale", "--pyclln", "--quick", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let rows = try JSONDecoder().decode([Row].self, from: Data(r.out.utf8))
        #expect(rows.map(\.edges) == [18, 18, 18, 200, 200, 200])
        #expect(rows.prefix(3).map(\.variant) == ["pyclln-style", "pyclln-optimized", "clln"])
        #expect(rows.allSatisfy { $0.ms_per_update > 0 && $0.cpu_ms_per_update > 0 })
    }

    @Test func unknownSessionChoiceIsAUsageError() throws {
        #expect(try clln(["bench", "spice-scale", "--sessions", "maybe"]).status == 64)
    }

    /// `--warm-start previous-update`: the report says which warm start its figures are for.
    @Test func idealScaleWarmStartChoiceIsReported() throws {
        let r = try clln(["bench", "ideal-scale", "--sizes", "800", "--families", "lattice", "--updates", "2",
                          "--warm-start", "previous-update", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let report = try JSONDecoder().decode(IdealScaleReport.self, from: Data(r.out.utf8))
        #expect(report.warm_start == "previous-update" && report.rows.map(\.edges) == [800])
    }

    struct IdealScaleReport: Decodable {
        struct Row: Decodable { var family: String; var edges: Int; var ms_per_update: Double; var cpu_ms_per_update: Double }
        struct Growth: Decodable { var family: String; var exponent: Double }
        struct Memory: Decodable { var edges: Int; var updates: Int; var resident_mib_start: Double; var resident_mib_end: Double }
        var warm_start: String
        var examples: Int
        var rows: [Row]
        var growth: [Growth]
        var memory: Memory?
    }

    @Test func quickIdealScaleBenchmarkReportsEverySizeFamilyAndMemory() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("clln-ideal-scale-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try clln(["bench", "ideal-scale", "--quick", "--memory-updates", "20", "--json", "--out", out.path])
        #expect(r.status == 0, "\(r.err)")
        let report = try JSONDecoder().decode(IdealScaleReport.self, from: Data(r.out.utf8))
        #expect(report.warm_start == "per-example" && report.examples == 64)
        #expect(report.rows.map(\.edges) == [800, 800, 3200, 3200, 7200, 7200])
        #expect(report.rows.map(\.family) == ["lattice", "dense", "lattice", "dense", "lattice", "dense"])
        #expect(report.rows.allSatisfy { $0.ms_per_update > 0 && $0.cpu_ms_per_update >= 0 })
        #expect(report.growth.map(\.family) == ["lattice", "dense"])
        #expect(report.memory.map { $0.edges == 3200 && $0.updates == 20 && $0.resident_mib_start > 0 } == true)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("bench-ideal-scale.json").path))
    }

    @Test(arguments: [["spice-scale", "--sizes", "19"], ["spice-scale", "--sizes", "8"], ["spice-scale", "--sizes", "18", "0"],
                      ["spice-scale", "--updates", "0"], ["spice-scale", "--models", "no-such-card"],
                      ["spice-scale", "--pyclln", "--memory-updates", "10"],
                      ["ideal-scale", "--sizes", "801"], ["ideal-scale", "--updates", "0"]])
    func badSpiceScaleValuesExit65NamingTheFix(arguments: [String]) throws {
        let r = try clln(["bench"] + arguments)
        #expect(r.status == 65 && r.out.isEmpty, "\(r.status) \(r.err)")
        #expect(r.err.contains("error: --") && (r.err.contains("2n²") || r.err.contains("at least 1") || r.err.contains("shipped cards")
            || r.err.contains("drop --no-spice")), "\(r.err)")
    }

    @Test(arguments: [["solve", "--sizes", "99"], ["solve", "--sizes", "4096", "0"], ["solve", "--backend", "spice", "--sizes", "9"],
                      ["solve", "--sizes", "9223372036854775807"], ["train", "--trials", "0"]])
    func badValuesExit65NamingTheFix(arguments: [String]) throws {
        let r = try clln(["bench"] + arguments)
        #expect(r.status == 65 && r.out.isEmpty, "\(r.status) \(r.err)")
        #expect(r.err.contains("error: --") && (r.err.contains("perfect squares") || r.err.contains("at least 1")), "\(r.err)")
    }

    @Test func malformedSizesAreAUsageError() throws {
        #expect(try clln(["bench", "solve", "--sizes", "many"]).status == 64)
    }
}
