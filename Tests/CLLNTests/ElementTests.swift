import CLLN
import Foundation
import Testing

/// Each element's physics (``ElementModel``): derivatives, conversions, netlist form, and the
/// diagnostics on a mismatched chip.
@Suite struct ElementTests {
    static let device = DeviceConstants.reference
    static let gateBounds = 1.0...5.5

    /// A parameter inside the element's bounds (gate voltages in [2.5, 5] for transistors).
    static func parameter(_ element: EdgeElement, _ rng: inout SeededGenerator) -> Double {
        let model = element.model
        if model.isTransistor { return model.initialParameter(gate: rng.uniform(in: 2.5...5)) }
        if element == .potentiometer { return Double(rng.index(97) + 1) }
        return 1e-3 * rng.uniform(in: 0.5...4)
    }

    /// Central difference of `f` at `x` with step `h`.
    static func slope(_ f: (Double) -> Double, at x: Double, step h: Double) -> Double {
        (f(x + h) - f(x - h)) / (2 * h)
    }

    @Test(arguments: EdgeElement.allCases)
    func derivativesMatchFiniteDifferences(element: EdgeElement) {
        let model = element.model
        var rng = SeededGenerator(seed: 5)
        for trial in 0..<40 {
            let p = Self.parameter(element, &rng)
            // Half the draws on a mismatched device (threshold shift, gain).
            let device = trial.isMultiple(of: 2)
                ? Self.device : Self.device.shifted(threshold: rng.uniform(in: -0.3...0.3), gain: rng.uniform(in: 0.5...1.5))
            // Either bias, away from the diode's kink; triode for transistors at U_G ≥ 2.5 V.
            var (va, vb) = (rng.uniform(in: 0...1), rng.uniform(in: 0...1))
            if abs(va - vb) < 0.05 { va += 0.1 }
            let i = model.current(parameter: p, va: va, vb: vb, device: device)
            func current(_ p: Double, _ va: Double, _ vb: Double) -> Double {
                model.current(parameter: p, va: va, vb: vb, device: device).current
            }
            let dA = Self.slope({ current(p, $0, vb) }, at: va, step: 1e-6)
            let dB = Self.slope({ current(p, va, $0) }, at: vb, step: 1e-6)
            let scale = abs(i.dIdA) + abs(i.dIdB)
            #expect(abs(dA - i.dIdA) <= 1e-6 * scale, "\(element.name): ∂I/∂Va \(i.dIdA) vs fd \(dA)")
            #expect(abs(dB - i.dIdB) <= 1e-6 * scale, "\(element.name): ∂I/∂Vb \(i.dIdB) vs fd \(dB)")
            // The wiper's steps are discrete: difference over one step either side (the geometric
            // slope's central difference is exact to sinh(x)/x − 1 ≈ 8e-4).
            let (h, tolerance) = element == .potentiometer ? (1.0, 1e-3) : (1e-6 * max(abs(p), 1e-3), 1e-6)
            let dP = Self.slope({ current($0, va, vb) }, at: p, step: h)
            #expect(abs(dP - i.dIdP) <= tolerance * abs(i.dIdP), "\(element.name): ∂I/∂p \(i.dIdP) vs fd \(dP)")
            // The local rule's sensitivity is (∂G/∂p)/k in forward bias, G = I/(V_a − V_b), k nominal.
            if va > vb, device == Self.device {
                let s = model.sensitivity(parameter: p, k: Self.device.k)
                #expect(abs(s - i.dIdP / (va - vb) / Self.device.k) <= 1e-12 * abs(s), "\(element.name): sensitivity \(s)")
            }
        }
    }

    @Test func transistorBelowTheFloorConductsAtTheFloorWithoutParameterSlope() {
        for element in EdgeElement.allCases where element.isTransistor {
            let p = element.model.initialParameter(gate: 1.0)  // overdrive 0.3 V below (Va + Vb)/2 = 0.5 V
            let i = element.model.current(parameter: p, va: 0.8, vb: 0.2, device: Self.device)
            let g = Self.device.k * Self.device.conductanceFloor
            #expect(i.current == g * (0.8 - 0.2) && i.dIdA == g && i.dIdB == -g && i.dIdP == 0)
            let d = element.model.diagnose(parameter: p, va: 0.8, vb: 0.2, device: Self.device)
            #expect(d.atFloor && d.saturated && !d.inTriode)
        }
    }

    @Test func diodeConductsForwardOnly() {
        let model = EdgeElement.diodeResistor.model
        let forward = model.current(parameter: 1e-3, va: 1, vb: 0, device: Self.device)
        let reverse = model.current(parameter: 1e-3, va: 0, vb: 1, device: Self.device)
        #expect(forward.current == 1e-3)
        #expect(reverse.current == -1e-3 * Self.device.conductanceFloor)
    }

    @Test(arguments: EdgeElement.allCases)
    func boundsAndGateConversionRoundTrip(element: EdgeElement) {
        let model = element.model
        let bounds = model.parameterBounds(gateBounds: Self.gateBounds)
        #expect(EdgeElement(name: element.name) == element)
        for alias in model.aliases { #expect(EdgeElement(name: alias.uppercased()) == element) }
        if model.isTransistor {
            // The gate bounds map onto the parameter bounds, and parameter ↔ gate round-trips.
            #expect(model.initialParameter(gate: Self.gateBounds.lowerBound) == bounds.lowerBound)
            #expect(model.initialParameter(gate: Self.gateBounds.upperBound) == bounds.upperBound)
            for gate in stride(from: 1.0, through: 5.5, by: 0.25) {
                let p = model.initialParameter(gate: gate)
                #expect(bounds.contains(p))
                let back = model.gateVoltage(parameter: p)!
                #expect(abs(back - gate) <= 4 * gate.ulp)
                #expect(model.coefficient(parameter: p, thresholdVoltage: 0.7) == back - 0.7)
                #expect(model.netlistValue(parameter: p) == back)
            }
        } else {
            #expect(model.gateVoltage(parameter: bounds.lowerBound) == nil)
            #expect(model.initialParameter(gate: 1) == model.initialParameter(gate: 5))
            let p = model.initialParameter(gate: 1)
            #expect(bounds.contains(p))
            // The netlist's resistance is the solver's conductance inverted; V_T does not enter.
            let g = model.coefficient(parameter: p, thresholdVoltage: 0.7)
            #expect(g == model.coefficient(parameter: p, thresholdVoltage: 3))
            #expect(abs(model.netlistValue(parameter: p) * g - 1) <= 1e-15)
        }
    }

    @Test func potentiometerSelectsTheNearestStep() {
        let pot = EdgeElement.Potentiometer.self
        #expect(pot.step(for: -3) == 0 && pot.step(for: 49.4) == 49 && pot.step(for: 49.6) == 50 && pot.step(for: 500) == 99)
        #expect(pot.ohms(step: 0) == 40 && abs(pot.ohms(step: 99) - 32_000) <= 1e-9)
        #expect(pot.netlistValue(parameter: 49.6) == pot.ohms(step: 50))
    }

    @Test func netlistFormOfEveryElement() throws {
        let (a, b, c, d) = (Node("a"), Node("b"), Node("c"), Node("d"))
        let t = try Topology(name: "all elements") {
            Mosfet(a, b)
            ExpGateMosfet(b, c)
            DiodeResistor(from: c, to: d)
            Resistor(a, d)
            DigitalPotentiometer(a, c)
            Input(a, d)
            State(1, 0)
        }
        let parameters = [2.5, log(3.0), 1e-3, 1e-3, 0]
        let card = try ModelCard.standard()
        let sources = try NetlistCompiler.compile(
            t, parameters: parameters, phase: .free, state: 0, options: NetlistOptions(model: card)).lines
        #expect(sources.contains("m0 n0 g0 n1 0 nmos_edge w=10u l=10u") && sources.contains("vg0 g0 0 dc 2.5"))
        #expect(sources.contains("m1 n1 g1 n2 0 nmos_edge w=10u l=10u"))
        #expect(sources.contains { $0.hasPrefix("vg1 g1 0 dc 3.0") || $0.hasPrefix("vg1 g1 0 dc 2.999") })
        #expect(sources.contains("d2 n2 x2 d_edge") && sources.contains("r2 x2 n3 1000.0"))
        #expect(sources.contains("r3 n0 n3 1000.0"))
        #expect(sources.contains("r4 n0 n2 40.0"))
        #expect(sources.contains { $0.hasPrefix(".model d_edge") })

        // The in-place update commands name what the compiler wrote.
        let threshold = try NetlistCompiler.compile(
            t, parameters: parameters, phase: .free, state: 0,
            options: NetlistOptions(model: card, gateStyle: .thresholdPerEdge)).lines
        for (e, edge) in t.edges.enumerated() {
            for (style, lines) in [(GateStyle.sources, sources), (.thresholdPerEdge, threshold)] {
                let prefix = SpiceNames.updatePrefix(edge: e, form: edge.element.model.netlistForm, gateStyle: style)
                let name = prefix.split(separator: " ")[1]
                let declared = lines.contains { $0.hasPrefix("\(name) ") || $0.hasPrefix(".model \(name) ") }
                #expect(declared, "\(prefix) names nothing in the \(style) netlist")
            }
        }
        #expect(threshold.contains("m0 n0 0 n1 0 me0 w=10u l=10u"))
    }
}

/// Saturation and floor diagnostics follow each device's own threshold on a mismatched chip.
@Suite struct MismatchDiagnosticsTests {
    /// a — m0 — b — m1 — c with a at 1 V and c at 0 V, both gates at 3 V.
    static func chain() throws -> Topology {
        let (a, b, c) = (Node("a"), Node("b"), Node("c"))
        return try Topology(name: "chain") {
            Mosfet(a, b)
            Mosfet(b, c)
            Input(a, c)
            State(1, 0)
        }
    }

    @Test func anEdgeSaturatedOnlyByItsThresholdShiftIsReported() throws {
        let t = try Self.chain()
        let gates = [3.0, 3.0]
        let held = try t.freeHeld(state: 0)
        let ideal = try IdealSolver(topology: t).solve(parameters: gates, held: held)
        #expect(ideal.saturatedEdges.isEmpty && ideal.floorEdges.isEmpty)  // overdrive 2.3 V above both ends

        // ΔV_T = +1.5 V on m0: overdrive 0.8 V, between V_b = 0.1 V and V_a = 1 V.
        let mismatch = DeviceMismatch(thresholdOffsets: [1.5, 0], gainFactors: [1, 1])
        let solver = try IdealSolver(topology: t)
        solver.mismatch = mismatch
        let chip = try solver.solve(parameters: gates, held: held)
        #expect(abs(chip.voltages[1] - 0.1) < 1e-12)
        #expect(chip.saturatedEdges == [0] && chip.floorEdges.isEmpty)
        // The nominal thresholds would miss it on the same voltages.
        #expect(EdgeModel.classify(topology: t, parameters: gates, voltages: chip.voltages).saturated.isEmpty)
        #expect(EdgeModel.classify(topology: t, parameters: gates, voltages: chip.voltages, mismatch: mismatch).saturated == [0])
        #expect(!EdgeModel.allInTriode(topology: t, parameters: gates, voltages: chip.voltages, mismatch: mismatch))
        #expect(EdgeModel.allInTriode(topology: t, parameters: gates, voltages: chip.voltages))

        // A larger shift cuts m0 off (overdrive 0.3 V, below (V_a + V_b)/2): at the floor as well.
        solver.mismatch = DeviceMismatch(thresholdOffsets: [2.0, 0], gainFactors: [1, 1])
        let cutOff = try solver.solve(parameters: gates, held: held)
        #expect(cutOff.floorEdges == [0] && cutOff.saturatedEdges == [0])
    }

    @Test func aMismatchOfTheWrongSizeIsATypedError() throws {
        let t = try Self.chain()
        let solver = try IdealSolver(topology: t)
        _ = try solver.solve(parameters: [3, 3], held: t.freeHeld(state: 0))
        solver.mismatch = DeviceMismatch(thresholdOffsets: [0.1], gainFactors: [1])
        #expect(throws: ChipSpecError.drawsDoNotFit(edges: 2, offsets: 1, gains: 1)) { try solver.solve(parameters: [3, 3], held: t.freeHeld(state: 0)) }
    }

    @Test func gainMismatchMovesVoltagesButNotTheThresholdTests() throws {
        let t = try Self.chain()
        let gates = [3.0, 3.0]
        let held = try t.freeHeld(state: 0)
        let solver = try IdealSolver(topology: t)
        let mismatch = DeviceMismatch(thresholdOffsets: [0, 0], gainFactors: [0.5, 1])
        solver.mismatch = mismatch
        let chip = try solver.solve(parameters: gates, held: held)
        #expect(chip.voltages[1] < 0.45)
        #expect(chip.saturatedEdges.isEmpty && chip.floorEdges.isEmpty)
        // Currents on the chip's devices balance at its solution; the nominal devices' do not.
        let onChip = EdgeModel.current(topology: t, edge: 0, parameter: 3, va: 1, vb: chip.voltages[1], mismatch: mismatch).current
            - EdgeModel.current(topology: t, edge: 1, parameter: 3, va: chip.voltages[1], vb: 0, mismatch: mismatch).current
        #expect(abs(onChip) < 1e-14)
        let nominal = EdgeModel.current(topology: t, edge: 0, parameter: 3, va: 1, vb: chip.voltages[1]).current
            - EdgeModel.current(topology: t, edge: 1, parameter: 3, va: chip.voltages[1], vb: 0).current
        #expect(abs(nominal) > 1e-5)
    }
}
