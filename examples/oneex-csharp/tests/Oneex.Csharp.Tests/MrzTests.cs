using Oneex.Csharp;
using Xunit;

namespace Oneex.Csharp.Tests;

public class MrzTests
{
    // The specimen of ICAO 9303 part 4, appendix A.
    private static readonly string[] Specimen =
    [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    [Theory]
    [InlineData("L898902C3", 6)]
    [InlineData("740812", 2)]
    [InlineData("<<<<<<", 0)]
    public void CheckDigitWeightsSevenThreeOne(string data, int expected) =>
        Assert.Equal(expected, Mrz.CheckDigit(data));

    [Fact]
    public void AcceptsTheSpecimen()
    {
        var result = Mrz.CheckTd3(Specimen);
        Assert.True(result.Valid);
        Assert.Equal("ERIKSSON", result.Surname);
        Assert.Equal("ANNA MARIA", result.GivenNames);
        Assert.Equal("L898902C3", result.DocumentNumber);
    }

    [Fact]
    public void NamesTheWrongCheckDigit()
    {
        var result = Mrz.CheckTd3([Specimen[0], Specimen[1].Replace("7408122", "7408132")]);
        Assert.False(result.Valid);
        Assert.Equal(["birthDate", "composite"], result.Checks.Where(c => !c.Valid).Select(c => c.Field));
    }

    [Fact]
    public void RefusesWrongShapes()
    {
        Assert.Throws<MrzFormatException>(() => Mrz.CheckTd3([Specimen[0]]));
        Assert.Throws<MrzFormatException>(() => Mrz.CheckTd3([Specimen[0], "L898902C36"]));
        Assert.Throws<MrzFormatException>(() => Mrz.CheckDigit("a"));
    }
}
