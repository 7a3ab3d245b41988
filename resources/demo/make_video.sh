#!/bin/sh
# Regenerates demo_session.mp4: a 50-minute, 1 frame/s, 320x180 placeholder recording whose
# burned-in clock matches the session transcript, so seeking from any utterance can be checked
# by eye. About 190 KB. Requires ffmpeg with libx264 and the DejaVu fonts.
set -e
cd "$(dirname "$0")"
F=/usr/share/fonts/truetype/dejavu
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "color=c=0x2b3a4a:s=320x180:r=1:d=3000" \
  -vf "drawbox=x=20:y=40:w=120:h=100:color=0x8fa8c0@0.5:t=fill,drawbox=x=180:y=40:w=120:h=100:color=0xc0a88f@0.5:t=fill,drawtext=fontfile=$F/DejaVuSans.ttf:text='T':x=72:y=75:fontsize=28:fontcolor=white,drawtext=fontfile=$F/DejaVuSans.ttf:text='C':x=232:y=75:fontsize=28:fontcolor=white,drawtext=fontfile=$F/DejaVuSansMono.ttf:text='%{pts\:hms}':x=(w-tw)/2:y=152:fontsize=14:fontcolor=white,drawtext=fontfile=$F/DejaVuSans.ttf:text='Synthetic demo session (no real client)':x=(w-tw)/2:y=12:fontsize=11:fontcolor=0xdddddd" \
  -c:v libx264 -preset veryslow -crf 40 -g 300 -pix_fmt yuv420p -movflags +faststart demo_session.mp4
