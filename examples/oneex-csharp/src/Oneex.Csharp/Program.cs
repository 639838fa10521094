using Oneex.Csharp;

// Oneex CSharp: the MRZ check as an ASP.NET Core minimal API (no package beyond the framework).
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddProblemDetails();
var app = builder.Build();

app.MapGet("/health", () => Results.Ok(new { status = "ok" }));

app.MapPost("/api/mrz/check", (MrzRequest request) =>
{
    if (request.Lines is null)
    {
        return Results.Problem("expected {\"lines\": [\"<MRZ line 1>\", \"<MRZ line 2>\"]}", statusCode: 400);
    }
    try
    {
        return Results.Ok(Mrz.CheckTd3(request.Lines));
    }
    catch (MrzFormatException error)
    {
        return Results.Problem(error.Message, statusCode: 422);
    }
});

app.Run();

/// <summary>The entry point, public so that integration tests can host the app.</summary>
public partial class Program;
