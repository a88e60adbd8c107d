import CLLNDynamics
import Foundation
import Testing

@Suite("Training with the local rule")
struct TrainingTests {
    /// Iterations after which each task, from seed 1 with its default hyper-parameters, has cut
    /// its cost at least tenfold (measured: first reached 10–20 % earlier), kept short so the
    /// debug-build test stays within seconds.
    static let iterationsForTenfold: [(task: String, iterations: Int)] = [
        ("oscillators-amplitude", 230), ("oscillators-lag", 90), ("oscillators-two-way-lag", 100),
        ("kuramoto-allostery", 8), ("kuramoto-sync", 45), ("lif-target", 400), ("lif-classify", 150),
        ("mm-logic", 80), ("glv-target", 8),
    ]

    @Test func everyTaskHasATenfoldBudget() {
        #expect(Self.iterationsForTenfold.map(\.task) == DynamicsTask.names)
    }

    /// Issue item 4: the cost falls by an order of magnitude, and the local update is aligned
    /// with −∇C on average over training (the weak PAR condition, Eq. 21).
    @Test(arguments: iterationsForTenfold)
    func costFallsTenfoldWithPositiveMeanAlignment(_ task: String, _ iterations: Int) throws {
        let trainer = DynamicsTrainer(task: try DynamicsTask(name: task, seed: 1), iterations: iterations, measuresMetrics: false)
        let result = try trainer.train()
        #expect(result.finalCost <= result.initialCost / 10, "\(task): \(result.initialCost) → \(result.finalCost)")
        #expect(result.meanAlignment > 0, "\(task): mean alignment \(result.meanAlignment)")
        #expect(result.costs.count == iterations && result.alignments.count == iterations)
    }

    /// On the amplitude task the local rule is well aligned with the gradient for every seed at
    /// the start of training.
    @Test func localRuleIsAlignedWithTheGradientForTheAmplitudeTask() throws {
        let alignments = try (UInt64(1)...6).map { seed -> Double in
            let task = try DynamicsTask(name: "oscillators-amplitude", seed: seed)
            return try IterationStep(task: task, parameters: task.initialParameters).alignment
        }
        #expect(alignments.allSatisfy { $0 > 0.5 }, "\(alignments)")
    }

    /// The local update converges as η → 0 (the clamped contrast is O(η)), and its first step is
    /// nearly the gradient direction from rest.
    @Test func localUpdateHasASmallNudgeLimit() throws {
        let task = try DynamicsTask(name: "oscillators-amplitude")
        let small = try IterationStep(task: task, parameters: task.initialParameters, nudge: 1e-4)
        let smaller = try IterationStep(task: task, parameters: task.initialParameters, nudge: 1e-5)
        #expect(IterationStep.cosine(small.localUpdate, smaller.localUpdate) > 0.999_999)
        #expect(small.alignment > 0.9)
    }

    /// Appendix C: reciprocal couplings cancel pairwise in the mean phase velocity, so training
    /// cannot move it from mean(ω); non-reciprocal couplings can.
    @Test func reciprocalKuramotoCannotMoveTheMeanFrequency() throws {
        func meanVelocityShift(reciprocal: Bool) throws -> Double {
            let task = try DynamicsTask.kuramotoSync(seed: 1, reciprocal: reciprocal)
            let result = try DynamicsTrainer(task: task, iterations: 25).train()
            return result.metricsAfter["mean_phase_velocity"]! - result.metricsAfter["mean_intrinsic_frequency"]!
        }
        #expect(abs(try meanVelocityShift(reciprocal: true)) < 1e-9)
        #expect(try meanVelocityShift(reciprocal: false) > 0.2)
    }

    @Test func trainingIsReproducibleFromTheSeed() throws {
        let first = try DynamicsTrainer(task: try DynamicsTask(name: "lif-target", seed: 9), iterations: 5, measuresMetrics: false).train()
        let second = try DynamicsTrainer(task: try DynamicsTask(name: "lif-target", seed: 9), iterations: 5, measuresMetrics: false).train()
        let other = try DynamicsTrainer(task: try DynamicsTask(name: "lif-target", seed: 10), iterations: 5, measuresMetrics: false).train()
        #expect(first.costs == second.costs && first.finalParameters == second.finalParameters)
        #expect(first.costs != other.costs)
    }

    @Test func gradientRuleDescendsTheCost() throws {
        let result = try DynamicsTrainer(task: try DynamicsTask(name: "oscillators-lag"), iterations: 30, rule: .gradient, measuresMetrics: false).train()
        #expect(result.finalCost < result.initialCost / 2)
    }

    @Test func unknownTaskNamesTheValidOnes() {
        #expect(throws: DynamicsError.unknownTask("pendulum")) { try DynamicsTask(name: "pendulum") }
        let message = DynamicsError.unknownTask("pendulum").description
        for name in DynamicsTask.names { #expect(message.contains(name)) }
    }

    @Test func blowUpIsReportedWithSystemAndTime() throws {
        var task = try DynamicsTask(name: "oscillators-amplitude")
        task.initialParameters = task.initialParameters.map { _ in 50 }  // strongly unstable network
        #expect {
            try task.solver.free(task.episodes[0], parameters: task.initialParameters)
        } throws: { error in
            guard case DynamicsError.integrationDiverged(let system, let time, _) = error else { return false }
            return system.contains("oscillator") && time > 0 && "\(error)".contains("smaller time step")
        }
    }

    @Test func reportFilesAreWritten() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("clln-dynamics-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try DynamicsTrainer(task: try DynamicsTask(name: "mm-logic"), iterations: 2, measuresMetrics: false).train()
        let files = try result.writeReport(to: folder).map(\.lastPathComponent)
        #expect(Set(files) == ["summary.json", "cost_alignment.csv", "cost_alignment.svg", "trajectories.svg", "parameters.json"])
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as! [String: Any]
        for key in ["task", "iterations", "cost_initial", "cost_final", "alignment_mean", "wall_s"] {
            #expect(summary[key] != nil, "summary.json lacks \(key)")
        }
        let csv = try String(contentsOf: folder.appendingPathComponent("cost_alignment.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + 2 + 1)
    }

    @Test func alignmentStudyCoversEveryNudge() throws {
        let study = try AlignmentStudy.run(task: "oscillators-amplitude", etas: [0.01, 1], samples: 2, seed: 1)
        #expect(study.points.map(\.eta) == [0.01, 1])
        #expect(study.points.allSatisfy { $0.values.count == 2 && $0.mean > 0 })
    }
}
