namespace Physics.MonteCarlo;

/// <summary>Single-spin-flip dynamics; both satisfy detailed balance with respect to exp(-H/T).</summary>
public enum Dynamics
{
    /// <summary>Accept a flip with min(1, exp(-Delta H / T)).</summary>
    Metropolis,
    /// <summary>Glauber / heat bath: flip with 1 / (1 + exp(Delta H / T)), i.e. s_i = +1 with (1 + tanh(beta h_i)) / 2.</summary>
    HeatBath,
}

/// <summary>Where a chain starts.</summary>
public enum InitialState
{
    /// <summary>In pattern 1 (retrieval): the condensed overlap is m_1.</summary>
    Pattern,
    /// <summary>Uniformly random spins: the condensed overlap is max_mu |m_mu|.</summary>
    Random,
}
