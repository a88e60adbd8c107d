import CLLN
import Foundation
import Testing

/// The library refuses bad input with an ``InputError`` whose message names the input and the fix.
@Suite struct InputValidationTests {
    func file(_ text: String, ext: String = "json") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clln-input-\(UUID().uuidString).\(ext)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Loads a topology file and returns the error's message; fails unless it is an InputError.
    func topologyError(_ text: String, ext: String = "json") throws -> String {
        let url = try file(text, ext: ext)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try Topology.load(contentsOf: url)
        } catch let error as any InputError {
            return error.description
        }
        Issue.record("accepted: \(text)")
        return ""
    }

    @Test func topologyFileProblemsNameTheKey() throws {
        #expect(try topologyError(#"{"nodes": 1000000000000000, "edges": [[0,1]], "inputs": [0]}"#).contains("\"nodes\""))
        #expect(try topologyError(#"{"nodes": -2, "edges": [[0,1]], "inputs": [0]}"#).contains("-2"))
        #expect(try topologyError(#"{"nodes": "x", "edges": [[0,1]], "inputs": [0]}"#).contains("node count"))
        #expect(try topologyError(#"{"nodes": 3, "edges": [[0,9]], "inputs": [0]}"#).contains("node 9"))
        #expect(try topologyError(#"{"nodes": 3, "edges": [[0,1,"x",4]], "inputs": [0]}"#).contains("edges[0]"))
        #expect(try topologyError(#"{"nodes": 3, "edges": [{"a": 0, "b": 1, "c": 2}], "inputs": [0]}"#).contains("\"c\""))
        #expect(try topologyError(#"{"nodes": 3, "edge": [[0,1]], "inputs": [0]}"#).contains("did you mean \"edges\""))
        #expect(try topologyError(#"{"nodes": ["a", "a"], "edges": [["a","b"]], "inputs": ["a"]}"#).contains("declared twice"))
        #expect(try topologyError(#"{"nodes": 3, "edges": [[0,1],[1,2]], "inputs": [0], "device": {"floor": 1e308, "k": 1, "x": 0}}"#)
            .contains("\"x\""))
        #expect(try topologyError("nodes: 3\nedges: [[0,1],[1,2]]\ninputs: [0]\ndevice: {floor: .inf}\n", ext: "yaml").contains("floor"))
        #expect(try topologyError("nodes: 3\nedges: [[0,1],[1,2]]\ninputs: [0]\nstates: [[.nan]]\n", ext: "yaml").contains("states"))
        #expect(try topologyError("   \n").contains("empty"))
        #expect(try topologyError(#"{"nodes": 3, "edges": [[0,1],[1,2]], "inputs": [0], "states": "high"}"#).contains("\"states\" must be a list"))
    }

    /// Property-style: random malformed numbers in every numeric place of a topology file are
    /// refused with an InputError, never a trap, never accepted.
    @Test func generatedBadNumbersAreRefused() throws {
        var rng = SeededGenerator(seed: 14)
        let badInts = ["-1", "-9223372036854775808", "9223372036854775807", "1000000000000000", "1e30", "2.5", "\"3\"", "null", "[]"]
        // (null for an optional key such as device.k means "not given": the default applies.)
        let badDoubles = [".nan", ".inf", "-.inf", "\"x\"", "[1]"]
        for _ in 0..<60 {
            let int = badInts[rng.index(badInts.count)], double = badDoubles[rng.index(badDoubles.count)]
            let cases = [
                "nodes: \(int)\nedges: [[0,1],[1,2]]\ninputs: [0]\n",
                "nodes: 3\nedges: [[0,\(int)],[1,2]]\ninputs: [0]\n",
                "nodes: 3\nedges: [[0,1],[1,2]]\ninputs: [\(int)]\n",
                "nodes: 3\nedges: [[0,1],[1,2]]\ninputs: [0]\nstates: [[\(double)]]\n",
                "nodes: 3\nedges: [[0,1],[1,2]]\ninputs: [0]\ngate_bounds: [1, \(double)]\n",
                "nodes: 3\nedges: [[0,1],[1,2]]\ninputs: [0]\ndevice: {threshold: \(double)}\n",
                "nodes: 3\nedges: [[0,1],[1,2]]\ninputs: [0]\ndevice: {k: \(double)}\n",
            ]
            let text = cases[rng.index(cases.count)]
            let message = try topologyError(text, ext: "yaml")
            #expect(!message.isEmpty, "\(text)")
        }
    }

    @Test func qLearningConfigRefusesEveryMeaninglessValue() throws {
        let dir = FileManager.default.temporaryDirectory
        func message(_ yaml: String) throws -> String {
            let url = try file(yaml, ext: "yaml")
            defer { try? FileManager.default.removeItem(at: url) }
            do {
                _ = try ExperimentConfigFile.load(url).experiment(relativeTo: dir, name: "bad")
            } catch let error as any InputError {
                return error.description
            }
            Issue.record("accepted: \(yaml)")
            return ""
        }
        let table = "environment: {kind: table, rewards: [[0.1, 0.2], [0.3, 0.0]], transitions: [[0, 1], [0, 1]]"
        #expect(try message("preset: four-state\n\(table), reset: 0}\n").contains("reset"))
        #expect(try message("preset: four-state\n\(table), reset: -3}\n").contains("reset"))
        #expect(try message("preset: four-state\n\(table), noise: .inf}\n").contains("noise"))
        #expect(try message("\(table), rewards: [[.nan, 0], [0, 0]]}\n").isEmpty == false)
        for (key, value) in [
            ("alpha", ".nan"), ("alpha", "0"), ("alpha", ".inf"), ("eta", "0"), ("eta", "1.5"), ("gamma", "-0.5"), ("gamma", ".inf"),
            ("batch", "0"), ("clip", "-1"), ("clip", ".inf"), ("epsilon_start", ".nan"), ("epsilon_end", "2"),
            ("initial_gate_mean", ".inf"), ("initial_gate_spread", "-1"), ("initial_gate_spread", ".inf"), ("measurements", "0"),
            ("measurement_interval", "-5"), ("state_weight_exponent", "-1"), ("state_weight_exponent", ".nan"), ("steps", "0"),
            ("steps", "100000000000000"), ("trials", "0"), ("trials", "-2"), ("trials", "100000000"),
        ] {
            let text = try message("preset: four-state\n\(key): \(value)\n")
            let named = key == "batch" ? "batch" : key == "clip" ? "clip" : key
            #expect(text.contains(named), "\(key): \(value) → \(text)")
        }
        #expect(try message("preset: four-state\nsteps: 10000000\nmeasurement_interval: 1\n").contains("measurement_interval"))
        #expect(try message("preset: four-state\nalhpa: 1\n").contains("did you mean \"alpha\""))
        #expect(try message("preset: four-state\nsteps: many\n").contains("\"steps\" must be a whole number"))
        #expect(try message("preset: chess\n").contains("chess"))
        #expect(try message("environment: {kind: grid, rows: 4611686018427387904, columns: 4}\n").contains("grid"))
        #expect(try message("environment: {kind: grid, rows: 3, columns: 3, goal: 9}\n").contains("goal 9"))
        #expect(try message("environment: {kind: grid, rows: 3, columns: 3, bonus: .nan}\n").contains("bonus"))
        #expect(try message("environment: {kind: grid, rows: 3, colums: 3}\n").contains("did you mean \"columns\""))
        #expect(try message("environment: {kind: maze}\n").contains("maze"))
    }

    /// A trainer built directly refuses a task with reset period 0 instead of dividing by zero.
    @Test func trainerRefusesAZeroResetPeriod() throws {
        var e = ExperimentPresets.fourState
        var table = TableEnvironment.fourState
        table.resetPeriod = 0
        e.environment = table
        #expect(throws: LearningError.self) {
            try QLearningTrainer(topology: e.topology, environment: e.environment, config: e.config,
                                 solver: try IdealSolver(topology: e.topology))
        }
        #expect(throws: LearningError.self) { try e.validate() }
    }

    @Test func chipSpecValidatesSpreadsAndKeys() throws {
        #expect(throws: Never.self) { try ChipSpec(sigmaThreshold: 0.01, sigmaGain: 0.05, readNoise: 0.001).validate() }
        for spec in [ChipSpec(sigmaThreshold: -0.01), ChipSpec(sigmaThreshold: .nan), ChipSpec(sigmaGain: .infinity),
                     ChipSpec(readNoise: -0.1), ChipSpec(readNoise: 1e300)] {
            #expect(throws: ChipSpecError.self) { try spec.validate() }
        }
        let negative = try file(#"{"sigma_vto": -0.01}"#)
        #expect { try ChipSpec.load(negative) } throws: { ($0 as? any InputError)?.description.contains("sigma_vto") == true }
        let unknown = try file(#"{"sigma_vt": 0.01}"#)
        #expect { try ChipSpec.load(unknown) } throws: { "\($0)".contains("did you mean \"sigma_vto\"") }
        let wrongType = try file(#"{"twin": "yes"}"#)
        #expect { try ChipSpec.load(wrongType) } throws: { "\($0)".contains("\"twin\" must be true or false") }
        let missing = URL(fileURLWithPath: "/nonexistent/chip.json")
        #expect { try ChipSpec.load(missing) } throws: { $0 is any InputError && "\($0)".contains("chip.json") }
        for url in [negative, unknown, wrongType] { try? FileManager.default.removeItem(at: url) }
    }

    @Test func supervisedConfigRefusesHugeAndNonFiniteValues() throws {
        func refused(_ settings: [String], naming key: String) {
            #expect {
                try SupervisedConfig.parse(settings: ["task=iris"] + settings).makeTask()
            } throws: { ($0 as? any InputError)?.description.contains(key) == true }
        }
        refused(["hidden=[1000000000]"], naming: "hidden")
        refused(["hidden=[0]"], naming: "hidden")
        refused(["margin=.nan"], naming: "margin")
        refused(["margin=-1"], naming: "margin")
        refused(["epochs=100000000000"], naming: "epochs")
        refused(["trials=0"], naming: "trials")
        refused(["adam_epsilon=.inf"], naming: "adam_epsilon")
        refused(["initial_gate_spread=.inf"], naming: "initial_gate_spread")
        refused(["alhpa=1"], naming: "did you mean \"alpha\"")
    }

    @Test func gateVectorsMustBeFinite() throws {
        let t = TopologyPresets.fourState
        for bad in [Double.nan, .infinity, -.infinity] {
            var gates = t.uniformParameters(gate: 1.5)
            gates[3] = bad
            #expect(throws: TopologyError.nonFinite(what: "edge 3's parameter")) { try t.validateParameters(gates) }
        }
        #expect(throws: TopologyError.self) { try t.validateParameters([1.5]) }
    }

    @Test func checksRefuseBadSampleCountsBeforeSolving() throws {
        let t = TopologyPresets.fourState
        #expect(throws: LearningError.self) { try GradientAlignment.run(topology: t, etas: [0.1], samples: -3, seed: 0) }
        #expect(throws: LearningError.self) { try GradientAlignment.run(topology: t, etas: [0.1, 2], samples: 1, seed: 0) }
        #expect(throws: LearningError.self) { try GradientAlignment.run(topology: t, etas: [.nan], samples: 1, seed: 0) }
        let ideal = try IdealSolver(topology: t)
        #expect(throws: LearningError.self) {
            try BackendComparison.run(topology: t, ideal: ideal, reference: ideal, model: "x", samples: -3, seed: 0)
        }
        #expect(throws: TopologyError.self) {
            try BackendComparison.run(topology: t, ideal: ideal, reference: ideal, model: "x", samples: 0, seed: 0, extraGates: [[1.5]])
        }
    }

    /// Every input-error type of the library belongs to the family; failures of the world do not.
    @Test func inputErrorFamily() {
        let inputs: [any Error] = [
            TopologyError.noNodes, TopologyFileError.unknownPreset("x"), GeneratorError.tooFewNodes(1),
            LearningError.invalidHyperparameter("x"), SupervisedConfigError.malformed(path: "p", reason: "r"),
            ChipSpecError.invalid(key: "sigma_vto", value: -1, limit: 10), ExperimentConfigError.unknownPreset("x"),
            NetlistError.unknownModel("x", available: []),
        ]
        for error in inputs { #expect(error is any InputError, "\(type(of: error))") }
        let world: [any Error] = [
            SolverError.noConvergence(iterations: 100, residual: 1), SpiceError.noConvergence(log: []),
            SpiceError.libraryMissing(reason: "x"),
        ]
        for error in world { #expect(!(error is any InputError)) }
    }
}
