import CLLN
import CLLNReport
import CLLNRuns
@testable import CLLNSweep
import Foundation
import Testing

/// `clln sweep`: designs, spec errors, resume, failures, pooling, and the local executor end to end.
@Suite struct SweepTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("clln-sweep-\(UUID().uuidString)")
    }

    func spec(_ yaml: String, in folder: URL? = nil) throws -> SweepSpec {
        let folder = folder ?? temporaryFolder()
        try AtomicFile.write(yaml, to: folder.appendingPathComponent("spec.yaml"))
        return try SweepSpec.load(folder.appendingPathComponent("spec.yaml").path)
    }

    /// The committed rule-search specs (README "One rule for both presets") still load, and their
    /// first point is one `clln train` accepts.
    @Test func theRuleSearchSpecsLoad() throws {
        let dir = repositoryRoot.appendingPathComponent("sweeps")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("rule-search-") }
        #expect(files.count >= 4)
        for file in files {
            let s = try SweepSpec.load(dir.appendingPathComponent(file).path)
            #expect(s.bases == ["four-state", "navigation"], "\(file)")
            try SweepRun(try #require(s.points().first), family: s.family, directory: s.directory).validate()
        }
    }

    @Test func aGridIsEveryCombinationTimesSeedsWithTheLastKeyFastest() throws {
        let s = try spec("{base: four-state, trials: 2, design: {kind: grid, parameters: {eta: [0.05, 0.1, 0.2], alpha: [0.1, 0.3]}}, seeds: [0, 1]}")
        let points = s.points()
        #expect(points.count == 3 * 2 * 2)
        #expect(points.map(\.index) == Array(0..<12))
        #expect(points[0].parameters == ["alpha": .double(0.1), "eta": .double(0.05)])
        #expect(points[1].seed == 1 && points[1].parameters == points[0].parameters)
        #expect(points[2].parameters == ["alpha": .double(0.1), "eta": .double(0.1)])
        #expect(points.allSatisfy { $0.settings["trials"] == .int(2) })
        #expect(Set(points.map(\.parameters)).count == 6)
    }

    @Test func aLatinHypercubePutsOnePointInEachStratumReproducibly() throws {
        let n = 16
        let parameters: [String: ParameterDomain] = [
            "alpha": .range(low: 0.05, high: 1, log: true, integer: false),
            "eta": .range(low: 0.02, high: 0.2, log: false, integer: false),
        ]
        let design = SweepDesign(kind: .latinHypercube, parameters: parameters, points: n, seed: 7)
        let points = design.generate()
        #expect(points.count == n)
        func strata(_ key: String, _ t: (Double) -> Double, _ low: Double, _ high: Double) -> [Int] {
            points.map { Int(((t($0[key]!.number!) - t(low)) / (t(high) - t(low)) * Double(n)).rounded(.down)) }.sorted()
        }
        #expect(strata("alpha", log, 0.05, 1) == Array(0..<n))
        #expect(strata("eta", { $0 }, 0.02, 0.2) == Array(0..<n))
        #expect(design.generate() == points)
        var other = design
        other.seed = 8
        #expect(other.generate() != points)
        // Random designs stay in range, reproducibly; integer ranges give integers.
        let random = SweepDesign(kind: .random, parameters: ["batch": .range(low: 10, high: 60, log: false, integer: true)], points: 50, seed: 1)
        let batches = random.generate().map { $0["batch"]! }
        #expect(batches.allSatisfy { if case let .int(b) = $0 { (10...60).contains(b) } else { false } })
        #expect(random.generate().map { $0["batch"]! } == batches)
    }

    @Test(arguments: [
        ("{base: four-state, design: {kind: grid, parameters: {alhpa: [0.1]}}}", "unknown key \"alhpa\" in design.parameters"),
        ("{base: four-state, design: {kind: grid, parameters: {alpha: []}}}", "design.parameters.alpha: is an empty list"),
        ("{base: four-state, design: {kind: random, points: 4, parameters: {alpha: {low: 1, high: 0.1}}}}", "low 1.0 > high 0.1; swap them"),
        ("{base: four-state, design: {kind: grid, parameters: {alpha: [.nan]}}}", "design.parameters.alpha: nan is not a finite number"),
        ("{base: four-state, executor: cloud}", "executor: \"cloud\" is unknown; use local or slurm"),
        ("{base: four-state, desing: {}}", "unknown key \"desing\" in the spec"),
        ("{base: four-state, design: {kind: grid, parameters: {alpha: {low: 0.1, high: 1}}}}", "a grid needs a list of values"),
        ("{base: four-state, design: {kind: latin-hypercube, parameters: {alpha: {low: 0.1, high: 1}}}}", "design.points: a latin-hypercube design needs a number of points"),
        ("{base: four-state, design: {kind: random, points: 3, parameters: {alpha: {low: 0, high: 1, log: true}}}}", "a log range needs low > 0"),
        ("{base: chess}", "base: \"chess\" is neither a preset or task"),
        ("{base: [four-state, xor]}", "mixes Q-learning and supervised bases"),
        ("{base: four-state, seeds: []}", "seeds: give a non-empty list"),
        ("{base: xor, design: {kind: grid, parameters: {gamma: [0.5]}}}", "unknown key \"gamma\" in design.parameters"),
        ("{base: four-state, slurm: {cpus_per_task: 0}}", "slurm.cpus_per_task: 0 is not a whole number ≥ 1"),
    ])
    func badSpecsAreTypedErrorsNamingTheKeyAndTheFix(yaml: String, message: String) throws {
        #expect {
            _ = try spec(yaml)
        } throws: { error in
            error is SweepSpecError && "\(error)".contains(message)
        }
    }

    @Test func aPointWhoseValueTrainRejectsIsABadPointBeforeAnyRuns() throws {
        let s = try spec("{base: four-state, design: {kind: grid, parameters: {alpha: [0.1, -3]}, }}")
        #expect(throws: Never.self) { try SweepRun(s.points()[0], family: s.family, directory: s.directory).validate() }
        #expect {
            try SweepRun(s.points()[1], family: s.family, directory: s.directory).validate()
        } throws: { error in
            guard case let .badPoint(index, settings, _)? = error as? SweepSpecError else { return false }
            return index == 1 && settings.contains("alpha=-3")
        }
    }

    @Test func qLearningKeysAreTheConfigFilesKeysInSnakeCase() {
        let keys = SweepFamily.qLearning.configKeys
        for key in ["alpha", "eta", "steps", "trials", "epsilon_start", "state_weight_exponent", "measurement_interval", "topology"] {
            #expect(keys.contains(key))
        }
        #expect(!keys.contains("preset") && !keys.contains("epsilonStart"))
    }

    /// A point runs in process (the run layer on threads); a rerun skips it; new settings rerun it.
    @Test func finishedPointsAreSkippedOnRerunAndFailuresAreRecorded() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let s = try spec("{base: four-state, trials: 2, settings: {steps: 500}, design: {kind: grid, parameters: {alpha: [0.3, 1]}}, seeds: [0, 1]}", in: folder)
        let sweep = SweepFolder(folder.appendingPathComponent("out"))
        var manifest = try sweep.refresh(SweepManifest(spec: s))
        #expect(manifest.counts[.pending] == 4)
        #expect(try sweep.runPoint(0, jobs: 1, worker: nil) == .done)
        let summary = sweep.pointFolder(0).file("summary.json")
        let written = try FileManager.default.attributesOfItem(atPath: summary.path)[.modificationDate] as? Date
        #expect(try sweep.runPoint(0, jobs: 1, worker: nil) == .done)
        #expect(try FileManager.default.attributesOfItem(atPath: summary.path)[.modificationDate] as? Date == written)
        manifest = try sweep.refresh(manifest)
        #expect(manifest.counts[.done] == 1 && manifest.counts[.pending] == 3)

        // A point process that dies is a failed point with its reason; the sweep goes on.
        let dying = LocalExecutor(jobs: 2, launch: WorkerLaunch(executable: URL(fileURLWithPath: "/bin/false"), arguments: []))
        manifest = try dying.run(sweep, manifest: manifest)
        #expect(manifest.counts[.done] == 1 && manifest.counts[.failed] == 3)
        #expect(sweep.failure(1)?.contains("exited with status 1") == true)

        // Other settings for point 0 (more trials): pending again.
        let more = try spec("{base: four-state, trials: 3, settings: {steps: 500}, design: {kind: grid, parameters: {alpha: [0.3, 1]}}, seeds: [0, 1]}", in: folder)
        #expect(sweep.state(of: more.points()[0]) == .pending)
        #expect(throws: SweepError.self) { try sweep.runPoint(9, jobs: 1, worker: nil) }
    }

    @Test func collectPoolsTheSeedsOfASettingIntoOneRate() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let s = try spec("{base: four-state, trials: 3, settings: {steps: 2000}, design: {kind: grid, parameters: {alpha: [0.3, 1]}}, seeds: [0, 1]}", in: folder)
        let sweep = SweepFolder(folder.appendingPathComponent("out"))
        let manifest = try sweep.refresh(SweepManifest(spec: s))
        for entry in manifest.points { #expect(try sweep.runPoint(entry.point.index, jobs: 2, worker: nil) == .done) }
        let collection = SweepCollection(sweep, manifest: try sweep.refresh(manifest))
        #expect(collection.points.count == 4 && collection.pooled.count == 2)
        for pooled in collection.pooled {
            let seeds = collection.points.filter { $0.parameters == pooled.parameters }
            let successes = seeds.compactMap(\.best?.successes).reduce(0, +)
            #expect(pooled.seeds == [0, 1] && pooled.trials == 6)
            #expect(pooled.best == SuccessRate(successes: successes, trials: 6))
        }
        try collection.write(to: sweep)
        for file in ["table.csv", "pooled.csv", "table.json", "plots/best-rate-vs-alpha.svg", "plots/near-optimal-rate-vs-alpha.svg"] {
            #expect(FileManager.default.fileExists(atPath: sweep.file(file).path), "\(file)")
        }
        #expect(try String(contentsOf: sweep.file("pooled.csv"), encoding: .utf8).split(separator: "\n").count == 3)
    }

    @Test func theLocalExecutorRunsASweepEndToEndAndResumes() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let specFile = folder.appendingPathComponent("tiny.yaml")
        try AtomicFile.write("{base: four-state, trials: 2, settings: {steps: 1000}, design: {kind: grid, parameters: {alpha: [0.3, 1], eta: [0.05, 0.1]}}}", to: specFile)
        let out = folder.appendingPathComponent("out").path
        let first = try clln(["sweep", specFile.path, "--out", out, "--jobs", "2", "--json"])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("\"done\" : 4"))
        let table = try String(contentsOfFile: out + "/table.csv", encoding: .utf8)
        #expect(table.split(separator: "\n").count == 5)
        #expect(FileManager.default.fileExists(atPath: out + "/plots/best-rate-alpha-eta.svg"))
        // A rerun finds every point done and leaves the results alone.
        let log = out + "/points/point-0/log.txt"
        try AtomicFile.write("kept", to: URL(fileURLWithPath: log))
        let second = try clln(["sweep", specFile.path, "--out", out, "--json"])
        #expect(second.status == 0 && second.out.contains("\"done\" : 4"))
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "kept")
        let status = try clln(["sweep", "status", out])
        #expect(status.out.contains("4 points: 4 done, 0 failed, 0 pending"))
        // The Slurm executor's script, without submitting it.
        let dry = try clln(["sweep", specFile.path, "--out", folder.appendingPathComponent("slurm").path, "--executor", "slurm", "--dry-run", "--max-parallel", "2"])
        #expect(dry.status == 0)
        #expect(dry.out.contains("#SBATCH --array=0-3%2") && dry.out.contains("sweep run-point") && dry.out.contains("$SLURM_ARRAY_TASK_ID"))
    }

    @Test func aBadSpecExits65BeforeAnyPointRuns() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let specFile = folder.appendingPathComponent("bad.yaml")
        try AtomicFile.write("base: four-state\ndesign: {kind: grid, parameters: {alpha: [0.1, 0.3], eta: [0.1, -1]}}\n", to: specFile)
        let out = folder.appendingPathComponent("out")
        let result = try clln(["sweep", specFile.path, "--out", out.path])
        #expect(result.status == 65)
        #expect(result.err.contains("point 1") && result.err.contains("eta=-1"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let missing = try clln(["sweep", "status", out.path])
        #expect(missing.status == 65 && missing.err.contains("not a sweep folder"))
    }
}
