import CLLN
import CLLNReport
import Foundation
import Testing

/// Runs the built `clln` executable and returns (exit code, stdout, stderr).
func clln(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("clln")
    process.arguments = arguments
    let (out, err) = (Pipe(), Pipe())
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

@Suite struct CLITests {
    struct Solve: Decodable { var voltages: [Double]; var iterations: Int; var residual: Double; var saturated_edges: [Int] }

    @Test func solvePrintsJSONVoltages() throws {
        let r = try clln(["solve", "--topology", "four-state", "--gate-value", "1.5", "--state", "0", "--backend", "ideal", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let s = try JSONDecoder().decode(Solve.self, from: Data(r.out.utf8))
        #expect(s.voltages.count == 16 && s.voltages[0] == 1 && s.voltages[2] == 0)
        #expect(s.voltages.allSatisfy { (0...1).contains($0) } && s.residual < 1e-12)
    }

    @Test func solveWithHeldNodesOnAMinimalFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clln-cli-\(UUID().uuidString).json")
        try #"{"nodes": 3, "edges": [[0,1],[1,2]], "inputs": [0, 2]}"#.write(to: url, atomically: true, encoding: .utf8)
        let r = try clln(["solve", "--topology", url.path, "--gate-value", "3", "--hold", "0=1", "--hold", "2=0", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let s = try JSONDecoder().decode(Solve.self, from: Data(r.out.utf8))
        // A triode edge carries k·(F(Va) − F(Vb)) with F(v) = (U − V_T)·v − v²/2, so KCL at the
        // middle node gives F(v) = F(1)/2: v = c − √(c² − F(1)), c = 2.3 (not 0.5: the channel
        // conducts less where the mean voltage is higher).
        let c = 2.3
        #expect(abs(s.voltages[1] - (c - (c * c - (c - 0.5)).squareRoot())) < 1e-12)
    }

    @Test func solveHoldsNodesOfATopologyWithoutInputs() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clln-cli-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try #"{"nodes": 3, "edges": [[0,1],[1,2]]}"#.write(to: url, atomically: true, encoding: .utf8)
        let r = try clln(["solve", "--topology", url.path, "--gate-value", "3", "--hold", "0=1", "--hold", "2=0", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let split = FileManager.default.temporaryDirectory.appendingPathComponent("clln-cli-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: split) }
        try #"{"nodes": 4, "edges": [[0,1],[2,3]]}"#.write(to: split, atomically: true, encoding: .utf8)
        let floating = try clln(["solve", "--topology", split.path, "--gate-value", "3", "--hold", "0=1"])
        #expect(floating.status == 65 && floating.err.contains("no held node"), "nodes 2 and 3 float: \(floating.err)")
        let training = try clln(["train", "four-state", "--steps", "100", "--trials", "1"] + ["--out", NSTemporaryDirectory() + "clln-noin"])
        #expect(training.status == 0, "\(training.err)")
    }

    @Test func qLearningFlagsAreRefusedForSupervisedTasks() throws {
        for flags in [["--rule", "balanced"], ["--readout", "arq"], ["--gamma", "0.5"]] {
            let r = try clln(["train", "xor", "--epochs", "1", "--trials", "1"] + flags + ["--out", NSTemporaryDirectory() + "clln-xor-\(flags[0])"])
            #expect(r.status == 64 && r.err.contains("\(flags[0]) does not apply to the supervised task xor"), "\(flags): \(r.err)")
        }
    }

    /// Each kind of task refuses the flags only another kind reads (they used to be ignored
    /// silently, NaN included), naming the tasks that read them, before any work.
    @Test(arguments: [
        (["four-state", "--set", "loss=mse"], "--set does not apply to the Q-learning task four-state; it applies to the supervised tasks"),
        (["four-state", "--no-shuffle"], "--shuffle/--no-shuffle does not apply to the Q-learning task four-state"),
        (["four-state", "--epochs", "3"], "--epochs does not apply to the Q-learning task four-state (use --steps)"),
        (["xor", "--advantage-kappa", "nan"], "--advantage-kappa does not apply to the supervised task xor; it applies to cartpole and mountaincar"),
        (["xor", "--hidden", "x"], "--hidden does not apply to the supervised task xor"),
        (["xor", "--steps", "10"], "--steps does not apply to the supervised task xor (use --epochs); it applies to the tabular Q-learning presets and configs and to cartpole and mountaincar"),
        (["cartpole", "--eval-every", "2"], "--eval-every does not apply to the continuous-state task cartpole"),
        (["cartpole", "--action-code", "binary"], "--action-code does not apply to the continuous-state task cartpole"),
        (["cartpole", "--compare-backends"], "--compare-backends does not apply to the continuous-state task cartpole"),
        (["cartpole", "--readout", "arq"], "cartpole trains the per-action readout only; drop --readout arq"),
    ])
    func flagsOfAnotherTaskKindAreRefused(arguments: [String], message: String) throws {
        let r = try clln(["train"] + arguments + ["--trials", "1", "--out", NSTemporaryDirectory() + "clln-scope-\(UUID().uuidString)"])
        #expect(r.status == 64 && r.err.contains(message), "\(arguments): \(r.err)")
        #expect(!r.out.contains("results:"), "no run started")
    }

    @Test func badInputGivesATypedMessageAndExitCode() throws {
        let r = try clln(["solve", "--topology", "four-state", "--gate-value", "9", "--state", "0"])
        #expect(r.status == 65 && r.err.contains("outside [1.0, 5.5]"))
        let missing = try clln(["compile", "no-such-thing"])
        #expect(missing.status == 65 && missing.err.contains("neither a preset"))
        let usage = try clln(["solve", "--topology", "four-state"])
        #expect(usage.status == 64)
        let hyperparameter = try clln(["train", "four-state", "--batch", "0", "--out", NSTemporaryDirectory() + "clln-bad"])
        #expect(hyperparameter.status == 65 && hyperparameter.err.contains("batch size must be ≥ 1"))
        let list = try clln(["experiment", "stress", "four-state", "--factors", "1,x"])
        #expect(list.status == 64 && list.err.contains("'x' is not a number"))
    }

    @Test func compileFourStateFreeRunsInNgspice() throws {
        let r = try clln(["compile", "four-state", "--phase", "free"])
        #expect(r.status == 0 && r.out.hasPrefix("* clln netlist: four-state, free phase, state 0"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clln-\(UUID().uuidString).cir")
        try r.out.write(to: url, atomically: true, encoding: .utf8)
        #expect(try ngspiceBatch(url).voltages.count == 16)
    }

    @Test func trainWritesSummaryCurvesAndPlotsAndResumes() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("clln-train-\(UUID().uuidString)")
        let args = ["train", "four-state", "--trials", "2", "--steps", "3000", "--out", out.path, "--json"]
        let r = try clln(args)
        #expect(r.status == 0, "\(r.err)")
        struct Summary: Decodable {
            struct Trial: Decodable { var trial: Int; var policy: [Int]; var reward: Double; var ratio: Double; var is_best: Bool }
            var preset: String; var backend: String; var steps: Int; var optimum: Double; var best_policy: [Int]
            var best_count: Int; var trials: [Trial]
        }
        let s = try JSONDecoder().decode(Summary.self, from: Data(r.out.utf8))
        #expect(s.preset == "four-state" && s.steps == 3000 && s.trials.count == 2 && s.best_policy == [2, 0, 3, 1])
        for file in ["summary.json", "curves.csv", "gates.csv", "reward.svg", "gates.svg", "trials/trial-0.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file) missing")
        }
        let again = try clln(args + ["--resume"])  // nothing left to run: same summary
        let s2 = try JSONDecoder().decode(Summary.self, from: Data(again.out.utf8))
        #expect(s2.trials.map(\.reward) == s.trials.map(\.reward))
    }

    @Test func ruleBalancedTrainsWithTheVariantAndExplicitOptionsOverrideIt() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("clln-rule-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try clln(["train", "navigation", "--rule", "balanced", "--eta", "0.05", "--trials", "1", "--steps", "500",
                          "--out", out.path, "--json"])
        #expect(r.status == 0, "\(r.err)")
        struct Summary: Decodable {
            struct Config: Decodable {
                struct Rule: Decodable { var alpha: Double; var eta: Double; var batch_size: Int }
                var rule: Rule; var gamma: Double; var state_weight_exponent: Double; var initial_gate_mean: Double
            }
            var preset: String; var config: Config
        }
        let s = try JSONDecoder().decode(Summary.self, from: Data(r.out.utf8))
        #expect(s.preset == "navigation-balanced" && s.config.rule.alpha == 0.24 && s.config.rule.batch_size == 93)
        #expect(s.config.rule.eta == 0.05 && s.config.gamma == 0.87 && s.config.state_weight_exponent == 0)
        #expect(s.config.initial_gate_mean == 2.44)
        #expect(try clln(["train", "four-state", "--rule", "sturdy"]).status == 64)
    }

    @Test func allStatesSolvesEveryStateOnBothBackendsFromATrainedTrial() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("clln-all-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let train = try clln(["train", "four-state", "--trials", "1", "--steps", "2000", "--out", out.path])
        #expect(train.status == 0, "\(train.err)")
        let trial = out.appendingPathComponent("trials/trial-0.json").path
        struct Summary: Decodable {
            struct State: Decodable { var state: Int; var outputs: [Double]; var action: Int; var voltages: [Double] }
            var backend: String; var states: [State]
        }
        var byBackend: [String: Summary] = [:]
        for backend in ["ideal", "spice"] {
            let r = try clln(["solve", "--topology", "four-state", "--all-states", "--gates", trial, "--backend", backend, "--json"])
            #expect(r.status == 0, "\(r.err)")
            let s = try JSONDecoder().decode(Summary.self, from: Data(r.out.utf8))
            #expect(s.states.map(\.state) == [0, 1, 2, 3])
            for state in s.states {
                #expect(state.outputs == [5, 7, 13, 15].map { state.voltages[$0] })
                #expect(state.outputs[state.action] == state.outputs.max())
            }
            byBackend[backend] = s
        }
        // The same network on both backends: outputs agree to the saturation difference (mV).
        for (a, b) in zip(byBackend["ideal"]!.states, byBackend["spice"]!.states) {
            #expect(zip(a.outputs, b.outputs).allSatisfy { abs($0 - $1) < 0.1 })
        }
        let notGates = FileManager.default.temporaryDirectory.appendingPathComponent("clln-\(UUID().uuidString).json")
        try #"{"gates": 3}"#.write(to: notGates, atomically: true, encoding: .utf8)
        let bad = try clln(["solve", "--topology", "four-state", "--all-states", "--gates", notGates.path])
        #expect(bad.status == 65 && bad.err.contains("must hold gates"))
        let both = try clln(["solve", "--topology", "four-state", "--all-states", "--state", "1"])
        #expect(both.status == 64)
    }

    @Test func navigationDrawsEveryTrialsPolicy() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("clln-nav-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try clln(["train", "navigation", "--trials", "3", "--steps", "2000", "--out", out.path])
        #expect(r.status == 0, "\(r.err)")
        let svg = try String(contentsOf: out.appendingPathComponent("policy.svg"), encoding: .utf8)
        for k in 0..<3 { #expect(svg.contains(">trial \(k): "), "trial \(k)'s panel missing") }
        #expect(svg.components(separatedBy: "<polygon").count - 1 >= 27, "one arrow per state and trial")
    }
}
