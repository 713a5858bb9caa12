# bash completion for taratctl(1): commands, their options, and event ids from the running daemon.

_taratctl_event_ids() {
    local socket=()
    [[ -n $1 ]] && socket=(--socket "$1")
    taratctl "${socket[@]}" --json events 2>/dev/null |
        sed -n 's/^ *"id": *"\([a-z0-9_-]*\)",\{0,1\}$/\1/p'
}

_taratctl() {
    local cur prev words cword
    _init_completion || return

    local commands="status events event notices compliance calendar history ics list-commands help
        held reported postpone cancel confirm retry reload backup call"
    local cmd="" socket="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --socket) socket=${words[i + 1]}; ((i++)) ;;
            --lang) ((i++)) ;;
            -*) ;;
            *) [[ -z $cmd ]] && cmd=${words[i]} ;;
        esac
    done

    case $prev in
        --socket | -o | --output) _filedir; return ;;
        --lang) COMPREPLY=($(compgen -W "kk ru en" -- "$cur")); return ;;
        --state) COMPREPLY=($(compgen -W "planned held reported cancelled" -- "$cur")); return ;;
        --by) COMPREPLY=($(compgen -W "centre district form" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "html csv md" -- "$cur")); return ;;
        -o | --output) _filedir; return ;;
        --centre | --district | --form | --person | --event | --from | --to | --date | --since | --year | \
            --limit | --participants | --note | --ref | --reason | --start) return ;;
    esac

    local global="--socket --json --lang --help"
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$commands $global" -- "$cur"))
        return
    fi
    local options=""
    case $cmd in
        events) options="--centre --district --form --state --from --to" ;;
        notices) options="--pending --sent --failed --dead --event --person" ;;
        compliance) options="--by --from --to --format -o --output" ;;
        calendar) options="--year" ;;
        history) options="--since --limit" ;;
        held) options="--date --participants --note" ;;
        reported) options="--date --ref" ;;
        postpone) options="--to --start --reason" ;;
        cancel) options="--reason" ;;
        reload) options="--wait" ;;
        ics) options="--centre --district --person -o --output" ;;
        backup) [[ $cur != -* ]] && _filedir && return ;;
        help | call)
            [[ $cur != -* ]] && COMPREPLY=($(compgen -W "$commands" -- "$cur")) && return ;;
    esac
    if [[ $cur != -* ]]; then
        case $cmd in
            event | held | reported | postpone | cancel | confirm)
                COMPREPLY=($(compgen -W "$(_taratctl_event_ids "$socket")" -- "$cur"))
                return ;;
        esac
    fi
    COMPREPLY=($(compgen -W "$options $global" -- "$cur"))
}
complete -F _taratctl taratctl
