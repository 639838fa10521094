namespace Oneex.Csharp;

/// <summary>
/// ICAO 9303 machine readable zone of a passport (TD3: two lines of 44 characters) and its check
/// digits: character values (digits their own, A to Z 10 to 35, the filler '&lt;' zero) weighted
/// 7, 3, 1 in turn, summed modulo 10 (9303 part 3, 4.9).
/// </summary>
public static class Mrz
{
    public const int Td3LineLength = 44;
    private static readonly int[] Weights = [7, 3, 1];

    public static int CharacterValue(char c) => c switch
    {
        '<' => 0,
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'Z' => c - 'A' + 10,
        _ => throw new MrzFormatException($"'{c}' is not an MRZ character"),
    };

    public static int CheckDigit(string data)
    {
        var sum = 0;
        for (var i = 0; i < data.Length; i++)
        {
            sum += CharacterValue(data[i]) * Weights[i % 3];
        }
        return sum % 10;
    }

    public static MrzResult CheckTd3(IReadOnlyList<string> lines)
    {
        if (lines.Count != 2)
        {
            throw new MrzFormatException($"a TD3 MRZ has 2 lines, not {lines.Count}");
        }
        var first = lines[0].Trim().ToUpperInvariant();
        var second = lines[1].Trim().ToUpperInvariant();
        foreach (var (line, number) in new[] { (first, 1), (second, 2) })
        {
            if (line.Length != Td3LineLength)
            {
                throw new MrzFormatException($"line {number} has {line.Length} characters, not {Td3LineLength}");
            }
        }
        var checks = new[]
        {
            Check("documentNumber", second[0..9], second[9]),
            Check("birthDate", second[13..19], second[19]),
            Check("expiryDate", second[21..27], second[27]),
            Check("personalNumber", second[28..42], second[42], optional: true),
            Check("composite", second[0..10] + second[13..20] + second[21..43], second[43]),
        };
        var names = first[5..].Split("<<", 2);
        return new MrzResult(
            Valid: checks.All(c => c.Valid),
            Surname: names[0].Replace('<', ' ').Trim(),
            GivenNames: names.Length > 1 ? names[1].Replace('<', ' ').Trim() : "",
            DocumentNumber: second[0..9].Replace("<", ""),
            Nationality: second[10..13].Replace("<", ""),
            BirthDate: second[13..19],
            ExpiryDate: second[21..27],
            Checks: checks);
    }

    private static FieldCheck Check(string field, string data, char digit, bool optional = false)
    {
        var expected = CheckDigit(data);
        // An empty optional field may carry '<' as its check digit (9303 part 4, 4.2.2.2).
        var valid = digit == (char)('0' + expected) || (optional && digit == '<' && expected == 0);
        return new FieldCheck(field, expected, digit.ToString(), valid);
    }
}

public sealed class MrzFormatException(string message) : Exception(message);

public sealed record FieldCheck(string Field, int Expected, string Found, bool Valid);

public sealed record MrzResult(
    bool Valid,
    string Surname,
    string GivenNames,
    string DocumentNumber,
    string Nationality,
    string BirthDate,
    string ExpiryDate,
    IReadOnlyList<FieldCheck> Checks);

public sealed record MrzRequest(IReadOnlyList<string>? Lines);
