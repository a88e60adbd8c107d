import CLLN
import Foundation
import Testing

/// Co-simulated Q-learning against the quasi-static SPICE trainer on the same seeds.
@Suite(.serialized) struct CosimTests {
    static func experiment(steps: Int) -> QLearningExperiment {
        var e = ExperimentPresets.fourState
        e.config.steps = steps
        e.config.measurements = 5
        return e
    }

    @Test func settledCosimulationFollowsTheQuasiStaticTrainer() throws {
        let e = Self.experiment(steps: 1000)
        let card = try ModelCard.standard()
        let quasi = try QLearningTrainer(
            topology: e.topology, environment: e.environment, config: e.config, solver: try SpiceSolver(topology: e.topology, model: card))
            .run(trial: 0, seed: 3)
        let cosim = try CosimQLearningTrainer(
            topology: e.topology, environment: e.environment, config: e.config, parameters: CosimParameters(), model: card)
        let result = try cosim.run(trial: 0, seed: 3)
        let gap = zip(quasi.finalGates, result.training.finalGates).map { abs($0 - $1) }.max()!
        print("cosim: policy \(result.training.policy) vs \(quasi.policy), max gate gap \(gap) V, "
            + "\(result.timePoints) points, \(result.training.wallSeconds) s wall, \(result.simulatedSeconds) s simulated, energy \(result.energy)")
        #expect(result.training.policy == quasi.policy)
        #expect(gap < 1e-3)
        let least: Double = 2020e-6  // two phases per step and a learning phase per batch, at 1 µs each
        #expect(result.simulatedSeconds > least)
    }
}

extension CosimTests {
    @Test func aResumedTrialEndsWhereTheUninterruptedOneDoes() throws {
        let e = Self.experiment(steps: 300)
        let trainer = try CosimQLearningTrainer(
            topology: e.topology, environment: e.environment, config: e.config, parameters: CosimParameters(), model: try ModelCard.standard())
        var saved: [CosimCheckpoint] = []
        let whole = try trainer.run(trial: 1, seed: 7, checkpointEvery: 100, checkpoint: { saved.append($0) })
        #expect(saved.map(\.step) == [100, 200])
        let resumed = try trainer.run(trial: 1, seed: 7, resume: saved[1])
        #expect(resumed.training.policy == whole.training.policy)
        let gap = zip(resumed.training.finalGates, whole.training.finalGates).map { abs($0 - $1) }.max() ?? 0
        #expect(gap < 1e-9)
        #expect(abs(resumed.simulatedSeconds - whole.simulatedSeconds) < 1e-12)
    }

    @Test func badParametersAreInputErrorsNamingTheKey() throws {
        var p = CosimParameters()
        p.settleTime = -1
        #expect(throws: CosimError.self) { try p.validate() }
        p = CosimParameters()
        p.gateLeakage = .nan
        #expect((try? p.validate()) == nil)
        let r = try clln(["cosim", "four-state", "--t-settle=-1e-6", "--out", NSTemporaryDirectory() + "clln-cosim-bad"])
        #expect(r.status == 65)
        #expect(r.err.contains("--t-settle"))
        let nan = try clln(["cosim", "four-state", "--gate-leakage", "nan"])
        #expect(nan.status == 65)
        #expect(nan.err.contains("--gate-leakage"))
        let key = NSTemporaryDirectory() + "clln-cosim-\(UUID().uuidString).yaml"
        try "experiment: four-state\nt_setle: 1e-6\n".write(toFile: key, atomically: true, encoding: .utf8)
        let typo = try clln(["cosim", key])
        #expect(typo.status == 65)
        #expect(typo.err.contains("t_settle"))
    }

    @Test func theCommandRunsATrialAndReportsTimeAndEnergy() throws {
        let out = NSTemporaryDirectory() + "clln-cosim-\(UUID().uuidString)"
        let r = try clln(["cosim", "four-state", "--steps", "200", "--trials", "1", "--jobs", "1", "--out", out, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        let trial = (summary["trials"] as! [[String: Any]])[0]
        let perStep = trial["simulated_s_per_step"] as? Double ?? 0
        let energy = trial["energy_per_inference_j"] as? Double ?? 0
        #expect(perStep > 2e-6)
        #expect(energy > 0)
        #expect(FileManager.default.fileExists(atPath: out + "/reward.svg"))
        for plot in ["voltages-start.svg", "voltages-end.svg", "energy.svg"] {
            let text = (try? String(contentsOfFile: out + "/" + plot, encoding: .utf8)) ?? ""
            #expect(text.hasPrefix("<svg") && text.hasSuffix("</svg>\n") && text.contains("<polyline"), "\(plot)")
        }
        let energyCSV = (try? String(contentsOfFile: out + "/energy.csv", encoding: .utf8)) ?? ""
        #expect(energyCSV.split(separator: "\n").count == 1 + 4)  // a row per batch of 50 steps
    }

    @Test func theTraceHoldsTheFirstAndLastStepsWithTheirPhases() throws {
        let e = Self.experiment(steps: 100)
        let trainer = try CosimQLearningTrainer(
            topology: e.topology, environment: e.environment, config: e.config, parameters: CosimParameters(), model: try ModelCard.standard())
        let trace = try trainer.run(trial: 0, seed: 1).trace
        // Step 0's free phase, then per step its next state's free phase and its clamped phase; the last batch's update.
        #expect(trace.start.phases.map(\.kind) == [.free] + Array(repeating: [.free, .clamped], count: 3).flatMap { $0 })
        #expect(trace.end.phases.map(\.kind) == Array(repeating: [.free, .clamped], count: 3).flatMap { $0 } + [.learn])
        #expect(trace.end.phases.map(\.step) == [97, 97, 98, 98, 99, 99, 99])
        for w in [trace.start, trace.end] {
            #expect(w.time.count > 20 && w.nodes.count == w.time.count && w.gates.count == w.time.count)
            #expect(zip(w.time, w.time.dropFirst()).allSatisfy { $0 < $1 })
            #expect(w.time.first! >= w.phases.first!.start)
        }
        // Gates move only in the learning phase: by the update there, not before.
        let end = trace.end
        let learnStart = end.phases.last!.start
        let before = end.gates[end.time.lastIndex { $0 <= learnStart }!]
        #expect(zip(before, end.gates[0]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(zip(end.gates.last!, before).contains { abs($0 - $1) > 1e-6 })
        #expect(trace.energy.map(\.step) == [50, 100])
        #expect(trace.energy.allSatisfy { $0.inference > 0 && $0.clamped > 0 && $0.update > 0 })
    }
}
