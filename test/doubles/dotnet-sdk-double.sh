#!/bin/sh
# DotnetSdkDouble: a test double of the .NET SDK's `dotnet` for `dotnet restore` and `dotnet publish`,
# installed as /usr/bin/dotnet in the SDK stand-in image (test/support/base-images.ts), since this
# machine has no .NET SDK. It follows the SDK 8 command line and contract for what a Containerfile runs:
#   dotnet --version
#   dotnet restore [PROJECT] [-v|--verbosity LEVEL] [-r|--runtime RID] [--locked-mode]
#   dotnet publish [PROJECT] [-c|--configuration NAME] [-o|--output DIR] [--no-restore]
#                  [-p:|/p:|--property:NAME=VALUE] [-r|--runtime RID] [--self-contained|--no-self-contained]
#                  [-v|--verbosity LEVEL] [--nologo]
# - the project is the one given (MSB1009 when it does not exist), else the one project or solution of
#   the working directory (MSB1003 when none, MSB1011 when several); an unknown switch is MSB1001;
# - restore writes obj/project.assets.json beside the project; publish --no-restore without it fails
#   with NETSDK1004, as the SDK does; a project without any .cs file fails with CS5001;
# - publish writes ASSEMBLY.dll, .pdb, .deps.json, .runtimeconfig.json (and the apphost ASSEMBLY unless
#   UseAppHost=false) to --output, else bin/CONFIGURATION/TFM/publish/ (Release by default since SDK 8);
#   the .dll is a placeholder that says it comes from this double;
# - errors go to stdout as MSBuild prints them, and exit 1.
set -eu

fail() {
  printf '%s\n' "$@"
  exit 1
}

find_project() {
  if [ -n "$1" ]; then
    [ -e "$1" ] || fail "MSBUILD : error MSB1009: Project file does not exist." "Switch: $1"
    printf '%s\n' "$1"
    return
  fi
  found=$(find . -maxdepth 1 \( -name '*.csproj' -o -name '*.sln' \) | sort)
  count=$(printf '%s' "$found" | grep -c . || true)
  [ "$count" -gt 0 ] || fail "MSBUILD : error MSB1003: Specify a project or solution file. The current working directory does not contain a project or solution file."
  [ "$count" -eq 1 ] || fail "MSBUILD : error MSB1011: Specify which project or solution file to use because this folder contains more than one project or solution file."
  printf '%s\n' "$found"
}

property() { # property FILE NAME: the value of <NAME>…</NAME> in an MSBuild project, or nothing
  sed -n "s:.*<$2>\(.*\)</$2>.*:\1:p" "$1" | head -n 1
}

command=${1:-}
[ $# -gt 0 ] && shift
case $command in
  --version)
    echo 8.0.404
    exit 0
    ;;
  restore | publish) ;;
  *) fail "Could not execute because the specified command or file was not found." ;;
esac

project='' configuration=Release output='' no_restore=false apphost=true
while [ $# -gt 0 ]; do
  case $1 in
    -c | --configuration) configuration=${2:?}; shift 2 ;;
    -o | --output) output=${2:?}; shift 2 ;;
    -r | --runtime | -v | --verbosity) shift 2 ;;
    --no-restore) no_restore=true; shift ;;
    --locked-mode | --self-contained | --no-self-contained | --nologo) shift ;;
    -p:UseAppHost=false | /p:UseAppHost=false | --property:UseAppHost=false) apphost=false; shift ;;
    -p:*=* | /p:*=* | --property:*=*) shift ;;
    -*) fail "MSBUILD : error MSB1001: Unknown switch." "Switch: $1" ;;
    *)
      [ -z "$project" ] || fail "MSBUILD : error MSB1008: Only one project can be specified." "Switch: $1"
      project=$1
      shift
      ;;
  esac
done

project=$(find_project "$project")
dir=$(cd "$(dirname "$project")" && pwd)
project="$dir/$(basename "$project")"
assets="$dir/obj/project.assets.json"

restore() {
  echo "  Determining projects to restore..."
  mkdir -p "$dir/obj"
  printf '{\n  "version": 3,\n  "project": { "restore": { "projectPath": "%s" } }\n}\n' "$project" >"$assets"
  echo "  Restored $project (in 42 ms)."
}

if [ "$command" = restore ]; then
  restore
  exit 0
fi

if [ "$no_restore" = true ]; then
  [ -f "$assets" ] || fail "/usr/share/dotnet/sdk/8.0.404/Sdks/Microsoft.NET.Sdk/targets/Microsoft.PackageDependencyResolution.targets(266,5): error NETSDK1004: Assets file '$assets' not found. Run a NuGet package restore to generate this file. [$project]"
else
  restore
fi

sources=$(find "$dir" -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*' | head -n 1)
[ -n "$sources" ] || fail "CSC : error CS5001: Program does not contain a static 'Main' method suitable for an entry point [$project]"

name=$(property "$project" AssemblyName)
[ -n "$name" ] || name=$(basename "$project" .csproj)
tfm=$(property "$project" TargetFramework)
[ -n "$tfm" ] || fail "error NETSDK1013: The TargetFramework value '' was not recognized. [$project]"
framework=Microsoft.NETCore.App
grep -q 'Sdk="Microsoft.NET.Sdk.Web"' "$project" && framework=Microsoft.AspNetCore.App
[ -n "$output" ] || output="$dir/bin/$configuration/$tfm/publish"

mkdir -p "$output"
echo "DotnetSdkDouble placeholder for $name.dll ($configuration, $tfm): not a real assembly" >"$output/$name.dll"
echo "DotnetSdkDouble placeholder for $name.pdb" >"$output/$name.pdb"
printf '{\n  "runtimeTarget": { "name": ".NETCoreApp,Version=v%s" },\n  "targets": {},\n  "libraries": {}\n}\n' \
  "${tfm#net}" >"$output/$name.deps.json"
printf '{\n  "runtimeOptions": {\n    "tfm": "%s",\n    "framework": { "name": "%s", "version": "%s.0" }\n  }\n}\n' \
  "$tfm" "$framework" "${tfm#net}" >"$output/$name.runtimeconfig.json"
[ -f "$dir/appsettings.json" ] && cp "$dir/appsettings.json" "$output/"
if [ "$apphost" = true ]; then
  printf '#!/bin/sh\n# DotnetSdkDouble placeholder apphost\nexit 0\n' >"$output/$name"
  chmod +x "$output/$name"
fi
echo "  $name -> $output/"
