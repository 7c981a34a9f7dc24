#!/usr/bin/env bash
# fetchlab on a Slurm job array: array task K downloads shard K of the list
# (fetchlab reads SLURM_ARRAY_TASK_ID, _MIN, _STEP and _COUNT itself) into a
# shared directory and writes its report there. See docs/shards.md.
#
#   start:  sbatch docs/slurm/array.sh urls.txt /shared/fetchlab
#   merge:  sbatch --dependency=afterany:JOBID --wrap \
#               'fetchlab report merge /shared/fetchlab/reports/*.json'
#
# The array size is the shard count; change --array and nothing else.
#SBATCH --job-name=fetchlab
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --time=02:00:00
#SBATCH --output=fetchlab-%A_%a.log
set -euo pipefail

usage="usage: sbatch array.sh URL_FILE OUT_DIR"
urls=${1:?$usage}
out=${2:?$usage}
# The binary and the concurrency can be overridden from the environment.
fetchlab=${FETCHLAB:-fetchlab}
concurrency=${FETCHLAB_CONCURRENCY:-20}

mkdir -p "$out/files" "$out/reports"
exec "$fetchlab" download --quiet --concurrency "$concurrency" \
    --report "$out/reports/shard-${SLURM_ARRAY_TASK_ID:?not in a Slurm job array}.json" \
    --output "$out/files" "$urls"
