import CLLN
import Foundation
import Testing

/// The transient session over ngspice: RC physics, external sources set from Swift, sync points.
@Suite(.serialized) struct TransientSessionTests {
    /// R = 1 kΩ, C = 1 nF (RC = 1 µs), driven by an external voltage source; a second capacitor
    /// charged by an external current source.
    static func session(initial: Double = 0) throws -> TransientSession {
        let netlist = [
            "* rc", ".options method=gear reltol=1e-6", "v1 in 0 external", "r1 in out 1k", "c1 out 0 1n ic=\(initial)",
            "i1 0 x external", "c2 x 0 1n ic=0", "r2 x 0 1e12", ".end",
        ]
        return try TransientSession(
            netlist: netlist, probe: "@r1[resistance]", recorded: ["out", "x", "v1#branch"], voltageSources: ["v1"],
            currentSources: ["i1"], capacitors: [.init(name: "c1", positive: "out"), .init(name: "c2", positive: "x")])
    }

    @Test func rcChargesAsOneMinusExponential() throws {
        let s = try Self.session()
        s.voltages = [1]
        var worst = 0.0
        var points = 0
        let boundaries = [0.5e-6, 1e-6, 2e-6, 3e-6, 5e-6]
        var seen: [Double] = []
        let end = try s.run(segments: [0.5e-6, 0.5e-6, 1e-6, 1e-6, 2e-6], atBoundary: { k, reading in
            seen.append(reading.time)
            #expect(abs(reading.time - boundaries[k - 1]) < 1e-15)
        }, observe: { t, values in
            worst = max(worst, abs(values[0] - (1 - exp(-t / 1e-6))))
            points += 1
        })
        #expect(seen.count == 4)
        #expect(abs(end.time - 5e-6) < 1e-15)
        #expect(abs(end.values[0] - (1 - exp(-5.0))) < 1e-3)
        #expect(worst < 1e-3, "largest deviation from V(1 − e^(−t/RC)): \(worst) V over \(points) points")
        // The source delivers the capacitor's current: i(v1) = −(1 − V)/R at the end.
        #expect(abs(end.values[2] + (1 - end.values[0]) / 1e3) < 1e-8)
    }

    @Test func sourcesChangedBetweenRunsAndAtBoundariesAreSeen() throws {
        let s = try Self.session()
        s.voltages = [1]
        s.currents = [1e-6]  // 1 µA into 1 nF: 1 mV/µs
        let charged = try s.run(segments: [10e-6])
        #expect(abs(charged.values[0] - 1) < 1e-4)
        #expect(abs(charged.values[1] - 0.01) < 1e-6)
        // Between runs: the state carries over (capacitor ICs), the new values act.
        s.voltages = [0]
        s.currents = [0]
        let decayed = try s.run(segments: [1e-6])
        #expect(abs(decayed.values[0] - exp(-1.0)) < 1e-3)
        #expect(abs(decayed.values[1] - 0.01) < 1e-6, "the current source's capacitor holds its charge")
        // At a boundary inside a run: 2 V from 1 µs on.
        let end = try s.run(segments: [1e-6, 1e-6], atBoundary: { _, reading in
            #expect(abs(reading.values[0] - exp(-2.0)) < 1e-3)
            s.voltages = [2]
        })
        let expected = 2 - (2 - exp(-2.0)) * exp(-1.0)
        #expect(abs(end.values[0] - expected) < 1e-3)
        #expect(abs(s.time - 13e-6) < 1e-15)
    }

    @Test func aSourceWithoutAValueStopsTheRunWithATypedError() throws {
        let netlist = ["* bad", "v1 in 0 external", "vunknown y 0 external", "r1 in out 1k", "r2 y out 1k", "c1 out 0 1n ic=0", ".end"]
        let s = try TransientSession(
            netlist: netlist, probe: "@r1[resistance]", recorded: ["out"], voltageSources: ["v1"],
            capacitors: [.init(name: "c1", positive: "out")])
        #expect(throws: SpiceError.self) { try s.run(segments: [1e-6]) }
        // The engine survives: a good session runs afterwards.
        let good = try Self.session()
        good.voltages = [1]
        #expect(try good.run(segments: [1e-6]).values[0] > 0.6)
    }

    @Test func aSessionWhoseCircuitNgspiceDroppedContinuesFromItsState() throws {
        let s = try Self.session()
        s.voltages = [1]
        let first = try s.run(segments: [1e-6])
        // A rejected netlist makes ngspice drop every circuit (the engine removes them all).
        #expect(throws: SpiceError.self) {
            try TransientSession(netlist: ["* bad", "r1 a 0 nonsense", ".end"], probe: "@r1[resistance]", recorded: [], capacitors: [])
        }
        let second = try s.run(segments: [1e-6])
        #expect(abs(first.values[0] - (1 - exp(-1.0))) < 1e-3)
        #expect(abs(second.values[0] - (1 - exp(-2.0))) < 1e-3)
    }
}
