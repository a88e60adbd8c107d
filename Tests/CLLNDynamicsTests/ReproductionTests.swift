import CLLNDynamics
import Foundation
import Testing

@Suite("Supervisor forms, reproduction studies and figures")
struct ReproductionTests {
    /// The clamping supervisor holds each output exactly at x^F − η ∂c/∂x: for a squared error the
    /// contrast at an output is η (x* − x^F), and its local update is aligned with −∇C from rest.
    @Test func clampSupervisorDisplacesOutputsByTheNudge() throws {
        var task = try DynamicsTask(name: "oscillators-amplitude")
        task.supervisor = .clamp
        let episode = task.episodes[0], eta = 0.1
        let contrast = try task.solver.contrast(episode, parameters: task.initialParameters, nudge: eta, supervisor: .clamp)
        let output = episode.targets[0].node
        for sample in stride(from: 0, to: contrast.free.count, by: 17) {
            let t = contrast.free.times[sample]
            let expected = eta * (episode.targets[0].signal.value(at: t) - contrast.free[sample, output])
            #expect(abs(contrast.clamped[sample, output] - contrast.free[sample, output] - expected) < 1e-9)
        }
        #expect(try IterationStep(task: task, parameters: task.initialParameters).alignment > 0.5)
    }

    /// Kuramoto couplings started at exactly zero (the paper's allostery set-up) are a stationary
    /// point of both the local rule and gradient descent when input and output are not adjacent:
    /// nothing moves but the input, so neither rule has a signal.
    @Test func zeroKuramotoCouplingsGiveNoSignal() throws {
        let task = try DynamicsTask(name: "kuramoto-allostery")
        #expect(try #require(Int(exactly: try task.metrics(parameters: task.initialParameters)["hops_input_to_output"] ?? 0)) >= 2)
        let zero = [Double](repeating: 0, count: task.initialParameters.count)
        let step = try IterationStep(task: task, parameters: zero)
        #expect(step.localUpdate.allSatisfy { $0 == 0 })
        #expect(step.gradient.allSatisfy { abs($0) < 1e-12 })
    }

    /// A jammed packing: no overlap-free configuration is left (contacts overlap), every disk is
    /// held by ≥ 3 contacts, the contact graph is connected, the mean degree is near the isostatic
    /// 4, and φ_J is near the 2D random-close-packing value; the same generator state gives the
    /// same packing.
    @Test func jammedPackingIsRigidAndReproducible() throws {
        var generator = SplitMix64(seed: 3)
        let packing = try JammedPacking.generate(diskCount: 16, generator: &generator)
        #expect(packing.rattlers.isEmpty)
        for (i, j) in packing.contacts {
            let d = JammedPacking.separation(packing.positions[i], packing.positions[j], packing.side).distance
            #expect(d < packing.radii[i] + packing.radii[j])
        }
        for node in 0..<16 { #expect(packing.contacts.filter { $0.0 == node || $0.1 == node }.count >= 3) }
        #expect(!CouplingGraph.hopDistances(from: 0, nodeCount: 16, edges: packing.contacts).contains(Int.max))
        #expect(packing.meanDegree >= 3.5 && packing.meanDegree <= 5)
        #expect(packing.packingFraction > 0.75 && packing.packingFraction < 0.9)
        var again = SplitMix64(seed: 3)
        #expect(try JammedPacking.generate(diskCount: 16, generator: &again).contacts.map { [$0.0, $0.1] } == packing.contacts.map { [$0.0, $0.1] })
        #expect(throws: DynamicsError.self) { var g = SplitMix64(seed: 1); _ = try JammedPacking.generate(diskCount: 2, generator: &g) }
    }

    /// Appendix B: with τ_f = τ_b the local rule is well aligned at short horizons for every share.
    @Test func symmetryStudyCoversItsGridAndIsAlignedAtShortHorizons() throws {
        let study = try SymmetryStudy.run(shares: [0, 1], horizons: [0.25, 1], nodeCount: 4, samples: 3)
        #expect(study.cells.count == 4)
        #expect(study.cells.filter { $0.horizon == 0.25 }.allSatisfy { $0.mean > 0.8 })
        #expect(throws: DynamicsError.self) { try SymmetryStudy.run(shares: [1.5], horizons: [1]) }
    }

    @Test func quickReproductionWritesDataAndFigures() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("clln-reproduce-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try Reproduction.run("fig6", quick: true, to: folder).map(\.lastPathComponent)
        #expect(files.contains("synapses.csv") && files.contains("trajectories.svg") && files.contains("cost_alignment.csv"))
        let catalogue = try Reproduction.run("fig13", quick: true, to: folder).map(\.lastPathComponent)
        #expect(Set(catalogue) == ["summary.json", "attractors.csv", "attractors.svg"])
        #expect(throws: DynamicsError.self) { try Reproduction.run("fig99", quick: true, to: folder) }
        #expect(Reproduction.iterations(for: "glv-target", quick: false, paperScale: false) == 10_000)
        #expect(Reproduction.iterations(for: "kuramoto-sync", quick: false, paperScale: false) == nil)
        #expect(Reproduction.iterations(for: "kuramoto-sync", quick: false, paperScale: true) == 60_000)
        #expect(Reproduction.iterations(for: "mm-logic", quick: true, paperScale: true) == Reproduction.quickIterations)
    }

    /// The LIF target plot shows the output once (before, after) and its four targets as short
    /// bars, not four copies of the curve and four full lines; the sync plot shows every oscillator.
    @Test func trajectoryFiguresShowEachNodeOnceAndEveryOscillator() throws {
        let lif = try DynamicsTrainer(task: try DynamicsTask(name: "lif-target"), iterations: 1, measuresMetrics: false).train()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("clln-traj-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try lif.writeReport(to: folder.appendingPathComponent("lif"))
        let svg = try String(contentsOf: folder.appendingPathComponent("lif/trajectories.svg"), encoding: .utf8)
        #expect(svg.components(separatedBy: "output after").count - 1 == 1)
        #expect(svg.components(separatedBy: "output target").count - 1 == 1)
        let sync = try DynamicsTrainer(task: try DynamicsTask(name: "kuramoto-sync"), iterations: 1, measuresMetrics: false).train()
        try sync.writeReport(to: folder.appendingPathComponent("sync"))
        let syncSVG = try String(contentsOf: folder.appendingPathComponent("sync/trajectories.svg"), encoding: .utf8)
        for node in 0..<10 { #expect(syncSVG.contains("θ\(node) after")) }
    }
}
